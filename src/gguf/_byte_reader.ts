import type { FileHandle } from "node:fs/promises";
import { GgufError } from "./gguf_error.ts";

/**
 * Little-endian reads from a file through a window of at most `chunk` bytes (grown only for one item bigger than
 * that), so a multi-GB model costs one small read for its header. Every read is checked against the file size
 * first, so a bad length becomes a GgufError at the current offset instead of a huge allocation.
 *
 * The hot loops call `has(n)` and only await `fill(n)` when the window runs dry: a vocabulary of 150k strings
 * then costs a handful of reads, not 300k awaits.
 */
export class ByteReader {
  /** The file's size in bytes. */
  readonly size: number;
  /** The file offset of the next byte to read. */
  pos = 0;
  #fh: FileHandle;
  #chunk: number;
  #buf: Uint8Array;
  #view: DataView;
  #start = 0;
  #end = 0;

  constructor(fh: FileHandle, size: number, chunk = 1 << 20) {
    this.#fh = fh;
    this.size = size;
    this.#chunk = chunk;
    this.#buf = new Uint8Array(Math.min(chunk, size));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes between `pos` and the end of the file. */
  get remaining(): number {
    return this.size - this.pos;
  }

  /** Bytes readable from the window without another read. */
  get buffered(): number {
    return this.pos >= this.#start ? Math.max(0, this.#end - this.pos) : 0;
  }

  /** True when the next `n` bytes are in the window. */
  has(n: number): boolean {
    return this.pos >= this.#start && this.pos + n <= this.#end;
  }

  /** Loads the next `n` bytes (and what follows, up to a chunk) into the window; `what` names the item for errors. */
  async fill(n: number, what: string): Promise<void> {
    if (n > this.remaining) {
      throw new GgufError(
        `unexpected end of file reading ${what}: ${n} bytes needed, ${this.remaining} left`,
        this.pos,
      );
    }
    const want = Math.min(Math.max(n, this.#chunk), this.remaining);
    if (want > this.#buf.length) {
      this.#buf = new Uint8Array(want);
      this.#view = new DataView(this.#buf.buffer);
    }
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.#fh.read(this.#buf, got, want - got, this.pos + got);
      if (bytesRead === 0) throw new GgufError("file shrank while it was being read", this.pos + got);
      got += bytesRead;
    }
    this.#start = this.pos;
    this.#end = this.pos + want;
  }

  /** `fill(n)` unless the bytes are already in the window. */
  async need(n: number, what: string): Promise<void> {
    if (!this.has(n)) await this.fill(n, what);
  }

  /** Moves past `n` bytes without reading them. */
  skip(n: number, what: string): void {
    if (n > this.remaining) {
      throw new GgufError(
        `unexpected end of file skipping ${what}: ${n} bytes needed, ${this.remaining} left`,
        this.pos,
      );
    }
    this.pos += n;
  }

  // The accessors below assume has(size) was checked (need() or fill()).
  u8(): number {
    return this.#buf[this.pos++ - this.#start];
  }
  i8(): number {
    return this.#view.getInt8(this.pos++ - this.#start);
  }
  u16(): number {
    const v = this.#view.getUint16(this.pos - this.#start, true);
    this.pos += 2;
    return v;
  }
  i16(): number {
    const v = this.#view.getInt16(this.pos - this.#start, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.#view.getUint32(this.pos - this.#start, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    const v = this.#view.getInt32(this.pos - this.#start, true);
    this.pos += 4;
    return v;
  }
  f32(): number {
    const v = this.#view.getFloat32(this.pos - this.#start, true);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.#view.getBigUint64(this.pos - this.#start, true);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    const v = this.#view.getBigInt64(this.pos - this.#start, true);
    this.pos += 8;
    return v;
  }
  f64(): number {
    const v = this.#view.getFloat64(this.pos - this.#start, true);
    this.pos += 8;
    return v;
  }
  /** A view of the next `n` bytes, valid until the next fill. */
  bytes(n: number): Uint8Array {
    const at = this.pos - this.#start;
    this.pos += n;
    return this.#buf.subarray(at, at + n);
  }
}
