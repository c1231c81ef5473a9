/**
 * Downloads one blob into the store: parallel ranged GETs into one preallocated file, progress persisted so a
 * killed process resumes where it stopped, stalls retried at once, transient errors retried with jittered
 * backoff (a retry that made progress does not count against the budget), sha256 computed while writing, and the
 * blob renamed into place only when its digest is right. Concurrent pulls of one blob in a process share one
 * download; another process pulling it waits for it (a lock file).
 * @module
 */
import { open, rename, rm, stat } from "node:fs/promises";
import { DigestMismatchError, normalizeDigest, type Store, syncDir } from "../../store/mod.ts";
import {
  type AuthHook,
  backoffDelay,
  registryFetch,
  RegistryNotFoundError,
  type RegistrySession,
  retryOnTimeout,
  sleep,
  USER_AGENT,
} from "../http.ts";
import { resolveDirectUrl } from "./direct_url.ts";
import { Checkpointer } from "./checkpointer.ts";
import { ConcurrencyRamp, RAMP_TICK_MS } from "./concurrency_ramp.ts";
import { tryLock } from "./lock.ts";
import { DirectUrlRejectedError, fetchPart, PartStalledError, type PartTransfer, WriteError } from "./part_fetch.ts";
import { openSink } from "./sink.ts";
import { bytesDone, loadState, type PartState, planParts, removeStateDebris, saveState } from "./state.ts";

export interface BlobDownloadOptions {
  store: Store;
  digest: string;
  /** Size from the manifest; the registry's Content-Length must agree. */
  size: number;
  /** `<base>/v2/<repo>/blobs/<digest>` */
  blobUrl: URL;
  auth?: AuthHook;
  session: RegistrySession;
  stallTimeoutMs: number;
  signal?: AbortSignal;
  /** Bytes per part (default: size/64 within [8 MiB, 128 MiB]). */
  partSize?: number;
  /** Parts downloading at once (default: adaptive, 1 doubling up to 8 while the transfer is slow; see concurrency_ramp.ts). */
  concurrency?: number;
  /** Bytes handed to the disk but not yet landed, per part (default 2 buffers). */
  batchSize?: number;
  /** Received bytes are gathered into buffers of this size before being written (default part size / 8 within [16 KiB, 4 MiB]). */
  bufferSize?: number;
  /** Failed attempts in a row, per part, before giving up (default 6, as Ollama). */
  maxRetries?: number;
  /** First retry delay in ms (default 500; doubles, ±50% jitter, at most 10 s). */
  retryBaseMs?: number;
  /** Blobs at least this big are written and hashed in a worker thread (default 32 MiB; see sink.ts). */
  workerMinBytes?: number;
  /** Progress: bytes of the blob on disk. */
  onProgress?: (completed: number, total: number) => void;
}

/** What the caller learns: whether the blob was already there. */
export interface BlobDownloadResult {
  cacheHit: boolean;
}

const MiB = 1 << 20;

function defaultPartSize(size: number): number {
  return Math.min(128 * MiB, Math.max(8 * MiB, Math.ceil(size / 64)));
}

interface Shared {
  promise: Promise<BlobDownloadResult>;
  controller: AbortController;
  waiters: number;
  completed: number;
  total: number;
  /** Whether the transfer has said where it starts (a resumed download starts at the bytes already on disk). */
  started: boolean;
  listeners: Set<(completed: number, total: number) => void>;
}

/** Downloads in flight in this process, by blob path. */
const inflight = new Map<string, Shared>();

/** Downloads a blob unless present. Resolves when the blob is in the store under its digest. */
export async function downloadBlob(options: BlobDownloadOptions): Promise<BlobDownloadResult> {
  const digest = normalizeDigest(options.digest);
  const path = options.store.blobPath(digest);
  if (await options.store.hasBlob(digest)) {
    options.onProgress?.(options.size, options.size);
    return { cacheHit: true };
  }
  let shared = inflight.get(path);
  if (!shared) {
    const controller = new AbortController();
    const created: Shared = {
      controller,
      waiters: 0,
      completed: 0,
      total: options.size,
      started: false,
      listeners: new Set(),
      promise: Promise.resolve({ cacheHit: false }),
    };
    created.promise = run({ ...options, digest, signal: controller.signal }, (completed, total) => {
      created.completed = completed;
      created.total = total;
      created.started = true;
      for (const listener of created.listeners) listener(completed, total);
    }).finally(() => inflight.delete(path));
    inflight.set(path, created);
    shared = created;
  }
  return await join(shared, options);
}

/** Follows a shared download; when the last follower gives up, the download is cancelled (its state stays). */
function join(shared: Shared, options: BlobDownloadOptions): Promise<BlobDownloadResult> {
  shared.waiters++;
  const listener = options.onProgress;
  if (listener) {
    shared.listeners.add(listener);
    // Before the transfer has read its saved state, 0 would be a guess: a bar would start at 0 and then jump.
    if (shared.started) listener(shared.completed, shared.total);
  }
  return new Promise<BlobDownloadResult>((resolve, reject) => {
    let left = false;
    /** Returns whether this was the last follower (the download is then being cancelled). */
    const leave = (): boolean => {
      if (left) return false;
      left = true;
      if (listener) shared.listeners.delete(listener);
      options.signal?.removeEventListener("abort", onAbort);
      if (--shared.waiters > 0) return false;
      shared.controller.abort(options.signal?.reason);
      return true;
    };
    const onAbort = () => {
      const reason = options.signal!.reason;
      // The last one out waits for the download to wind down (state saved, files closed): nothing touches the
      // store after the caller's promise settles.
      if (leave()) shared.promise.then(() => reject(reason), () => reject(reason));
      else reject(reason);
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    shared.promise.then((result) => {
      leave();
      resolve(result);
    }, (error) => {
      leave();
      reject(error);
    });
  });
}

async function run(
  options: BlobDownloadOptions & { signal: AbortSignal },
  progress: (completed: number, total: number) => void,
): Promise<BlobDownloadResult> {
  const { store, digest, signal } = options;
  const paths = store.downloadPaths(digest);
  const lockPath = `${paths.data}.lock`;
  // Another process is pulling this blob into the same store: wait for it, or for its lock to go.
  let lock = await tryLock(lockPath);
  while (!lock) {
    await sleep(250, signal);
    if (await store.hasBlob(digest)) return { cacheHit: true };
    lock = await tryLock(lockPath);
  }
  try {
    if (await store.hasBlob(digest)) return { cacheHit: true };
    return await transfer(options, paths, progress);
  } finally {
    await lock.release();
  }
}

async function transfer(
  options: BlobDownloadOptions & { signal: AbortSignal },
  paths: { data: string; state: string },
  progress: (completed: number, total: number) => void,
): Promise<BlobDownloadResult> {
  const { store, digest, signal } = options;
  const retries = options.maxRetries ?? 6;
  const retryBaseMs = options.retryBaseMs ?? 500;

  await removeStateDebris(paths.state);
  const requestedPartSize = options.partSize ?? defaultPartSize(options.size);
  let state = await loadState(paths.state, digest, options.size);
  const dataSize = await stat(paths.data).then((info) => info.size, () => -1);
  if (state && dataSize !== state.size) state = undefined;
  if (!state) {
    const head = await retryOnTimeout(options.stallTimeoutMs, retries, signal, (attempt) =>
      registryFetch(options.blobUrl, { method: "HEAD" }, {
        auth: options.auth,
        session: options.session,
        signal: attempt,
        retries,
        backoffMs: retryBaseMs,
      }));
    const length = Number(head.headers.get("content-length") ?? NaN);
    if (Number.isFinite(length) && length !== options.size) {
      throw new Error(`blob ${digest} is ${length} bytes at the registry but ${options.size} in the manifest`);
    }
    state = { version: 1, digest, size: options.size, parts: planParts(options.size, requestedPartSize) };
  }
  const partSize = state.parts[0]?.size ?? requestedPartSize;
  const resumed = bytesDone(state) > 0;
  const file = await open(paths.data, resumed ? "r+" : "w+", 0o644);
  let closed = false;
  const closers: Array<() => Promise<void>> = [];
  try {
    if (!resumed) await file.truncate(state.size);
    await saveState(paths.state, state);
    const written = state.parts.filter((p) => p.done > 0).map((p) => [p.offset, p.offset + p.done] as [number, number]);
    const sink = await openSink(file, paths.data, state.size, written, options.workerMinBytes);
    closers.push(() => sink.close());
    let completed = bytesDone(state);
    progress(completed, state.size);

    const checkpoint = new Checkpointer(paths.state, state);
    const inner = new AbortController();
    const onAbort = () => inner.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const registryOrigin = options.blobUrl.origin;
    let directUrl = options.blobUrl;
    if (state.size > 0) {
      try {
        directUrl = await resolveDirectUrl(options.blobUrl, { ...options, retries, backoffMs: retryBaseMs });
      } catch (error) {
        if (signal.aborted || error instanceof RegistryNotFoundError) throw error;
        throw new Error(`max retries exceeded: ${(error as Error).message}`, { cause: error });
      }
    }
    let reresolving: Promise<void> | undefined;
    const reresolve = (rejected: URL) => {
      if (directUrl !== rejected) return Promise.resolve();
      reresolving ??= resolveDirectUrl(options.blobUrl, { ...options, signal: inner.signal, retries, backoffMs: retryBaseMs })
        .then((url) => {
          directUrl = url;
        }).finally(() => reresolving = undefined);
      return reresolving;
    };
    // Bytes received but not yet recorded in the state are fetched again after a kill. Each connection holds up to
    // about three buffers of them (one gathering, two handed to the disk), so the buffer shrinks as connections are
    // added: all of them together hold at most 1% of the blob (a 300 MiB blob over 8 connections: 128 KiB each;
    // bench/pull.ts kills at 20/45/70 %). Big blobs keep the big buffers that pay on fast links.
    const partBuffer = Math.min(4 * MiB, Math.max(16 << 10, Math.floor(partSize / 8)));
    const bufferFor = (connections: number) =>
      options.bufferSize ?? Math.min(partBuffer, Math.max(64 << 10, Math.floor(state.size / 100 / (3 * connections))));
    const partTransfer = (bufferSize = bufferFor(Math.max(1, running.length))): PartTransfer => ({
      sink,
      size: state.size,
      url: directUrl,
      headers: () => {
        const headers = new Headers({ "user-agent": USER_AGENT });
        // Credentials go only to the registry itself, never to the CDN a redirect pointed at.
        if (directUrl.origin === registryOrigin && options.session.authorization) {
          headers.set("authorization", options.session.authorization);
        }
        return headers;
      },
      stallTimeoutMs: options.stallTimeoutMs,
      bufferSize,
      batchSize: options.batchSize ?? 2 * bufferSize,
      onWritten: (_part, bytes) => {
        completed += bytes;
        progress(completed, state.size);
        checkpoint.note(bytes);
      },
    });

    /** Fails the download (the first failure wins) and stops every part. */
    const fail = (error: unknown) => {
      failure ??= error;
      inner.abort(error);
    };
    /** Downloads `part`; the landing of its last writes is pushed on `landing` (it fails the download on error). */
    const runPart = async (part: PartState, landing: Array<Promise<void>>) => {
      let failures = 0;
      while (part.done < part.size) {
        inner.signal.throwIfAborted();
        const before = part.done;
        const current = { ...partTransfer(), previous: landing[landing.length - 1] };
        try {
          const received = await fetchPart(current, part, inner.signal);
          if (received) {
            landing.push(received.landed.catch(fail));
            return;
          }
        } catch (error) {
          if (inner.signal.aborted) throw inner.signal.reason;
          if (error instanceof WriteError) throw error;
          if (error instanceof PartStalledError) continue; // Ollama's "part stalled; retrying": no retry used
          failures = part.done > before ? 1 : failures + 1;
          if (failures > retries) {
            throw new Error(`max retries exceeded: ${(error as Error).message}`, { cause: error });
          }
          await sleep(backoffDelay(failures - 1, retryBaseMs), inner.signal);
          if (error instanceof DirectUrlRejectedError) await reresolve(current.url).catch(() => {});
        }
      }
    };

    const queue = state.parts.filter((part) => part.done < part.size);
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      // The last writes of a part land while the next part is fetched; all have landed before this worker ends.
      const landing: Array<Promise<void>> = [];
      while (failure === undefined) {
        const part = queue[next++];
        if (!part) break;
        try {
          await runPart(part, landing);
        } catch (error) {
          fail(error);
        }
      }
      await Promise.all(landing);
    };
    // A fixed `concurrency`, or adaptive (see ConcurrencyRamp): one connection, doubled each tick while that pays.
    const running: Array<Promise<void>> = [];
    const start = (count: number) => {
      for (let i = 0; i < count && next < queue.length; i++) running.push(worker());
    };
    start(Math.max(1, options.concurrency ?? 1));
    let rampBytes = completed;
    const ramp = new ConcurrencyRamp();
    const rampTimer = options.concurrency === undefined
      ? setInterval(() => {
        const rate = (completed - rampBytes) * 1000 / RAMP_TICK_MS;
        rampBytes = completed;
        const more = ramp.sample(rate, running.length);
        if (failure === undefined) start(more);
        if (ramp.stopped) clearInterval(rampTimer);
      }, RAMP_TICK_MS)
      : undefined;
    try {
      for (let i = 0; i < running.length; i++) await running[i];
    } finally {
      clearInterval(rampTimer);
      signal.removeEventListener("abort", onAbort);
      await checkpoint.flush();
    }
    if (failure !== undefined) throw signal.aborted ? signal.reason : failure;

    const actual = await sink.finish();
    if (actual !== digest) {
      await file.close();
      closed = true;
      await rm(paths.data, { force: true });
      await rm(paths.state, { force: true });
      throw new DigestMismatchError(digest, actual, `digest mismatch, file must be downloaded again: want ${digest}, got ${actual}`);
    }
    await file.close();
    closed = true;
    await rename(paths.data, store.blobPath(digest));
    await syncDir(store.blobsDir);
    await rm(paths.state, { force: true });
    return { cacheHit: false };
  } finally {
    for (const close of closers) await close().catch(() => {});
    if (!closed) await file.close().catch(() => {});
  }
}
