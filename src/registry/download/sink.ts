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
  /** Resolves when `bytes` are written at `position`. Rejects with an Error carrying the OS `code` (ENOSPC...). */
  write(position: number, bytes: Uint8Array): Promise<void>;
  /** After the last write: fsync, close, and the blob's `sha256:<hex>`. */
  finish(): Promise<string>;
  /** Releases everything (idempotent; after finish, or to abandon the download). */
  close(): Promise<void>;
}

const MiB = 1 << 20;
const SYNC_EVERY = 64 * MiB;
/**
 * By default no blob gets a worker: measured on a loaded 2-core box (bench/pull.ts), writing and hashing in the
 * pulling thread costs less CPU per GiB (Deno 2.4 s vs 3.6 s, Bun 2.6 s vs 2.8 s: the messages and the read-back
 * of out-of-order ranges cost more than the thread gains) and each step is a short task, so the event loop stays
 * responsive. `workerMinBytes` turns the worker on where a spare core is worth more than the CPU.
 */
const WORKER_MIN = Infinity;

/**
 * The sink for a download of `size` bytes into `path` (`file` is open on it), `written` ranges already on disk.
 * Blobs of at least `workerMin` bytes get a worker (default: none, see WORKER_MIN).
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
      return await WorkerSink.start(path, size, written);
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

  async write(position: number, bytes: Uint8Array): Promise<void> {
    this.#hasher.offer(position, bytes);
    let offset = 0;
    while (offset < bytes.byteLength) {
      const { bytesWritten } = await this.#file.write(bytes, offset, bytes.byteLength - offset, position + offset);
      offset += bytesWritten;
    }
    this.#hasher.written(position, position + bytes.byteLength);
    this.#unsynced += bytes.byteLength;
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

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

class WorkerSink implements BlobSink {
  #worker: Worker | undefined;
  #seq = 0;
  #waiters: Waiter[] = [];
  #failure: unknown;
  #onDigest: ((digest: string) => void) | undefined;
  #onReady: (() => void) | undefined;

  static async start(path: string, size: number, written: Array<[number, number]>): Promise<WorkerSink> {
    const worker = runtime.spawnWorker(new URL("./disk_worker.ts", import.meta.url), {
      name: "tollama-download",
      entry: "src/registry/download/disk_worker.ts",
    });
    const sink = new WorkerSink(worker);
    const ready = new Promise<void>((resolve) => sink.#onReady = resolve);
    worker.postMessage({ type: "open", path, size, written });
    await Promise.race([ready, new Promise<never>((_, reject) => sink.#rejectAll = reject)]);
    return sink;
  }

  /** Set by `start` so a worker that fails before it is ready fails the start. */
  #rejectAll: ((error: unknown) => void) | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent) => {
      const message = event.data;
      if (message.type === "landed") {
        while (this.#waiters.length && this.#waiters[0].seq <= message.seq) this.#waiters.shift()!.resolve();
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

  #fail(error: unknown): void {
    this.#failure ??= error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#failure);
    this.#rejectAll?.(this.#failure);
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  write(position: number, bytes: Uint8Array): Promise<void> {
    if (this.#failure !== undefined || !this.#worker) return Promise.reject(this.#failure ?? new Error("download worker closed"));
    const seq = this.#seq++;
    const promise = new Promise<void>((resolve, reject) => this.#waiters.push({ seq, resolve, reject }));
    // A chunk that owns its whole buffer moves to the worker without a copy; a view into a bigger one is copied.
    const owns = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    try {
      this.#worker.postMessage({ type: "write", seq, at: position, bytes }, owns ? [bytes.buffer as ArrayBuffer] : []);
    } catch {
      this.#worker.postMessage({ type: "write", seq, at: position, bytes: bytes.slice() });
    }
    return promise;
  }

  async finish(): Promise<string> {
    if (this.#failure !== undefined || !this.#worker) throw this.#failure ?? new Error("download worker closed");
    const worker = this.#worker;
    return await new Promise<string>((resolve, reject) => {
      this.#onDigest = resolve;
      this.#waiters.push({ seq: Infinity, resolve: () => {}, reject });
      worker.postMessage({ type: "finish" });
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
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
