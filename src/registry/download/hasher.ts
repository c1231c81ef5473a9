/**
 * sha256 of a blob that arrives out of order (parallel ranged parts), computed while it downloads: a buffer that
 * starts exactly where the hash stands is hashed from memory before it is written; anything written ahead of that
 * point is read back from the file (page cache) once the bytes before it are in. So the digest is ready moments
 * after the last byte lands, without a second pass over the file.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";

/** Read-back size: small enough that one read-and-hash step is a short task for the event loop. */
const READ_SIZE = 1 << 20;

export class SequentialHasher implements BlobHasher {
  #hash: Hash = createHash("sha256");
  #position = 0;
  #size: number;
  #file: FileHandle;
  /** Written, not yet hashed ranges [start, end), sorted and merged. */
  #pending: Array<[number, number]> = [];
  #busy = false;
  #error: unknown;
  #waiters: Array<() => void> = [];
  #readBuffer: Uint8Array | undefined;

  /** `written` lists ranges already on disk (a resumed download); they are read back first. */
  constructor(file: FileHandle, size: number, written: Array<[number, number]> = []) {
    this.#file = file;
    this.#size = size;
    for (const [start, end] of written) this.#add(start, end);
    this.#kick();
  }

  /** Bytes hashed so far (a prefix of the blob). */
  get position(): number {
    return this.#position;
  }

  /**
   * Offers bytes about to be written at `position`. They are hashed now, from memory, when they are the next
   * bytes of the blob and no read-back is running; returns whether they were.
   */
  offer(position: number, bytes: Uint8Array): boolean {
    if (this.#busy || position !== this.#position || this.#error !== undefined) return false;
    this.#hash.update(bytes);
    this.#position += bytes.byteLength;
    this.#notify();
    return true;
  }

  /** Records that [start, end) is on disk; hashes it by reading back once the bytes before it are hashed. */
  written(start: number, end: number): void {
    this.#add(start, end);
    this.#kick();
  }

  #add(start: number, end: number): void {
    start = Math.max(start, this.#position);
    if (end <= start) return;
    const ranges = this.#pending;
    ranges.push([start, end]);
    ranges.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const range of ranges) {
      const last = merged[merged.length - 1];
      if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
      else merged.push([range[0], range[1]]);
    }
    this.#pending = merged;
  }

  #kick(): void {
    if (this.#busy || this.#error !== undefined) return;
    const first = this.#pending[0];
    if (!first || first[0] > this.#position) return;
    this.#busy = true;
    this.#catchUp().catch((error) => {
      this.#error = error;
    }).finally(() => {
      this.#busy = false;
      this.#notify();
      this.#kick();
    });
  }

  async #catchUp(): Promise<void> {
    this.#readBuffer ??= new Uint8Array(READ_SIZE);
    for (;;) {
      const first = this.#pending[0];
      if (!first) return;
      if (first[1] <= this.#position) {
        this.#pending.shift();
        continue;
      }
      if (first[0] > this.#position) return;
      const length = Math.min(READ_SIZE, first[1] - this.#position);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await this.#file.read(this.#readBuffer, got, length - got, this.#position + got);
        if (bytesRead === 0) throw new Error(`short read of the partial file at ${this.#position + got}`);
        got += bytesRead;
      }
      this.#hash.update(this.#readBuffer.subarray(0, length));
      this.#position += length;
    }
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  close(): void {}

  /** Waits until every byte is hashed (all must have been written or offered) and returns `sha256:<hex>`. */
  async digest(): Promise<string> {
    for (;;) {
      if (this.#error !== undefined) throw this.#error;
      if (!this.#busy) this.#kick();
      if (!this.#busy) {
        if (this.#position === this.#size) return `sha256:${this.#hash.digest("hex")}`;
        throw new Error(`sha256 of the download is missing bytes from ${this.#position}`);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
}

/** What a download needs from a hasher. */
export interface BlobHasher {
  /** Bytes about to be written at `position`; may hash them from memory. */
  offer(position: number, bytes: Uint8Array): boolean;
  /** [start, end) is on disk. */
  written(start: number, end: number): void;
  /** `sha256:<hex>` once every byte is in. */
  digest(): Promise<string>;
  /** Frees the worker, if any (idempotent). */
  close(): void;
}
