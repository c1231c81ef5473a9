/**
 * Where a download's bytes go: written at their offsets in the partial file, hashed in blob order, made durable.
 * `WorkerSink` does all of it in a Worker (disk_worker.ts), so the thread receiving the bytes only receives them;
 * `ThreadSink` does it here (small blobs, or where no worker can start). Both resolve a write only once it is on
 * disk, which is what the part state may count.
 * @module
 */
import type { FileHandle } from "node:fs/promises";
import { runtime } from "../../runtime/mod.ts";
import { SequentialHasher } from "./hasher.ts";

export interface BlobSink {
  /**
   * Resolves when `chunks`, one after the other, are written from `position` on. Rejects with an Error carrying the
   * OS `code` (ENOSPC...). The sink takes the chunks (their ArrayBuffers may move to a worker): the caller must not
   * touch them again.
   */
  write(position: number, chunks: Uint8Array[]): Promise<void>;
  /** After the last write: fsync, close, and the blob's `sha256:<hex>`. */
  finish(): Promise<string>;
  /** Releases everything (idempotent; after finish, or to abandon the download). */
  close(): Promise<void>;
}

const MiB = 1 << 20;
const SYNC_EVERY = 64 * MiB;
/**
 * Blobs from this size on are written and hashed in a worker. Measured (bench/pull.ts, 1 GiB on loopback, loaded
 * 2-core box) once the receiving thread hands over runs of received chunks without copying them and the worker
 * hashes and writes each piece while it is in cache: Bun 2.4 s per GiB with the worker vs 2.9 s without, Deno 2.9 s
 * vs 3.3 s or more. Below this size starting a thread costs more than it saves.
 */
const WORKER_MIN = 32 * MiB;

/**
 * The sink for a download of `size` bytes into `path` (`file` is open on it), `written` ranges already on disk.
 * Blobs of at least `workerMin` bytes get a worker (default: see WORKER_MIN).
 */
export async function openSink(
  file: FileHandle,
  path: string,
  size: number,
  written: Array<[number, number]>,
  workerMin = WORKER_MIN,
): Promise<BlobSink> {
  if (size >= workerMin) {
    try {
      return await WorkerSink.start(file, path, size, written);
    } catch {
      // No worker here (a packaging without the worker file, a runtime that refuses): do it in this thread.
    }
  }
  return new ThreadSink(file, size, written);
}

class ThreadSink implements BlobSink {
  #file: FileHandle;
  #hasher: SequentialHasher;
  #unsynced = 0;
  #syncing: Promise<void> | undefined;

  constructor(file: FileHandle, size: number, written: Array<[number, number]>) {
    this.#file = file;
    this.#hasher = new SequentialHasher(file, size, written);
  }

  async write(position: number, chunks: Uint8Array[]): Promise<void> {
    // Hashed first, while the chunks are fresh in cache; then one positional writev for the whole run (one
    // trip to the I/O pool, no copy into a bigger buffer).
    let end = position;
    for (const chunk of chunks) {
      this.#hasher.offer(end, chunk);
      end += chunk.byteLength;
    }
    let at = position;
    let left = chunks;
    while (at < end) {
      const { bytesWritten } = await this.#file.writev(left, at);
      if (bytesWritten <= 0) throw Object.assign(new Error(`write at ${at} wrote nothing`), { code: "EIO" });
      at += bytesWritten;
      left = skipBytes(left, bytesWritten);
    }
    this.#hasher.written(position, end);
    this.#unsynced += end - position;
    if (this.#unsynced >= SYNC_EVERY && !this.#syncing) {
      this.#unsynced = 0;
      this.#syncing = this.#file.datasync().catch(() => {}).finally(() => this.#syncing = undefined);
    }
  }

  async finish(): Promise<string> {
    const digest = await this.#hasher.digest();
    await this.#syncing;
    await this.#file.sync();
    return digest;
  }

  async close(): Promise<void> {
    await this.#syncing;
  }
}

/** `chunks` without their first `count` bytes (after a short write). */
function skipBytes(chunks: Uint8Array[], count: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  for (const chunk of chunks) {
    if (count >= chunk.byteLength) {
      count -= chunk.byteLength;
      continue;
    }
    rest.push(count > 0 ? chunk.subarray(count) : chunk);
    count = 0;
  }
  return rest;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

class WorkerSink implements BlobSink {
  #worker: Worker | undefined;
  #file: FileHandle;
  #seq = 0;
  #waiters: Waiter[] = [];
  #failure: unknown;
  #onDigest: ((digest: string) => void) | undefined;
  #onReady: (() => void) | undefined;
  #syncedAt = 0;
  #syncing: Promise<void> | undefined;

  static async start(file: FileHandle, path: string, size: number, written: Array<[number, number]>): Promise<WorkerSink> {
    const worker = runtime.spawnWorker(new URL("./disk_worker.ts", import.meta.url), {
      name: "tollama-download",
      entry: "src/registry/download/disk_worker.ts",
    });
    const sink = new WorkerSink(worker, file);
    const ready = new Promise<void>((resolve) => sink.#onReady = resolve);
    worker.postMessage({ type: "open", path, size, written });
    await Promise.race([ready, new Promise<never>((_, reject) => sink.#rejectAll = reject)]);
    return sink;
  }

  /** Set by `start` so a worker that fails before it is ready fails the start. */
  #rejectAll: ((error: unknown) => void) | undefined;

  private constructor(worker: Worker, file: FileHandle) {
    this.#worker = worker;
    this.#file = file;
    worker.onmessage = (event: MessageEvent) => {
      const message = event.data;
      if (message.type === "landed") {
        while (this.#waiters.length && this.#waiters[0].seq <= message.seq) this.#waiters.shift()!.resolve();
        this.#syncSome(message.bytes);
      } else if (message.type === "ready") {
        this.#onReady?.();
      } else if (message.type === "digest") {
        this.#onDigest?.(message.digest);
      } else if (message.type === "error") {
        this.#fail(Object.assign(new Error(message.message), { code: message.code }));
      }
    };
    worker.onerror = (event: Event) => {
      event.preventDefault?.();
      const error = (event as ErrorEvent).error ?? new Error((event as ErrorEvent).message || "download worker failed");
      this.#fail(error);
    };
  }

  /**
   * fdatasync from this thread (the runtime's I/O pool), in the background, every SYNC_EVERY landed bytes: the
   * disk writes back while the download goes on, the worker never waits for it, and the final fsync has little left.
   */
  #syncSome(landed: number): void {
    if (landed - this.#syncedAt < SYNC_EVERY || this.#syncing) return;
    this.#syncedAt = landed;
    this.#syncing = this.#file.datasync().catch(() => {}).finally(() => this.#syncing = undefined);
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#failure);
    this.#rejectAll?.(this.#failure);
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  write(position: number, chunks: Uint8Array[]): Promise<void> {
    if (this.#failure !== undefined || !this.#worker) return Promise.reject(this.#failure ?? new Error("download worker closed"));
    const seq = this.#seq++;
    const promise = new Promise<void>((resolve, reject) => this.#waiters.push({ seq, resolve, reject }));
    // A chunk that is all of its ArrayBuffer moves to the worker without a copy (the receiving thread touches each
    // byte once, if at all); a view into a bigger buffer is copied.
    const transfer: ArrayBuffer[] = [];
    const parts = chunks.map((chunk) => {
      const buffer = chunk.buffer;
      if (buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength && !transfer.includes(buffer)) {
        transfer.push(buffer);
        return chunk;
      }
      return chunk.slice();
    });
    try {
      this.#worker.postMessage({ type: "write", seq, at: position, chunks: parts }, transfer);
    } catch {
      this.#worker.postMessage({ type: "write", seq, at: position, chunks: parts.map((part) => part.slice()) });
    }
    return promise;
  }

  async finish(): Promise<string> {
    if (this.#failure !== undefined || !this.#worker) throw this.#failure ?? new Error("download worker closed");
    const worker = this.#worker;
    await this.#syncing;
    return await new Promise<string>((resolve, reject) => {
      this.#onDigest = resolve;
      this.#waiters.push({ seq: Infinity, resolve: () => {}, reject });
      worker.postMessage({ type: "finish" });
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await this.#syncing;
    if (!worker) return;
    // Let queued writes land (or fail) before the file is given up, then end the thread.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      const previous = worker.onmessage;
      worker.onmessage = (event: MessageEvent) => {
        previous?.call(worker, event);
        if (event.data.type === "closed") {
          clearTimeout(timer);
          resolve();
        }
      };
      worker.postMessage({ type: "close" });
    });
    worker.terminate();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error("download worker closed"));
  }
}
