/**
 * `streamToFile(handle, source, opts)`: the bytes of a stream appended to an open file and fed to a hash, with the
 * reading and the writing decoupled. One loop takes chunks from the source as soon as they arrive, into a queue
 * bounded by `maxQueued` bytes; another hashes and writes the queued chunks in order, one `write` per chunk.
 *
 * Measured on a 300 MB upload to `POST /api/blobs` (Deno server, sized body): reading while the previous chunk is
 * written keeps the socket drained; a 4 MiB queue holds the server's peak RSS growth to ~55 MB on Deno and on Bun,
 * the same for 1 GiB (the rest is chunks the GC has not yet freed; 32 MiB gave ~100-150 MB). `FileHandle.writev` is not used: on Deno it copies its
 * buffers into a new one per call (+80 MB of RSS). A chunked upload from Deno's own fetch into Deno's server still
 * burns CPU whenever reading pauses (a Deno issue, with or without this queue): the CLI sends a Content-Length.
 * @module
 */
import type { FileHandle } from "node:fs/promises";

export interface StreamToFileOptions {
  /** Fed every byte, in order, before it is written. */
  onChunk?: (chunk: Uint8Array) => void;
  signal?: AbortSignal;
  /** Reading pauses while this many bytes wait to be written (default 4 MiB). */
  maxQueued?: number;
}

const DEFAULT_MAX_QUEUED = 4 << 20;

/** Appends every chunk of `source` to `handle`; resolves with the byte count once all of it is written. */
export async function streamToFile(
  handle: FileHandle,
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: StreamToFileOptions = {},
): Promise<number> {
  const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  const queue: Uint8Array[] = [];
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  // Each side parks on one of these when it has nothing to do; the other side wakes it.
  let wakeWriter: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  const park = (set: (wake: () => void) => void) => new Promise<void>((resolve) => set(resolve));

  const puller = pullerFor(source);
  const onAbort = () => wakeWriter?.();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const reading = (async () => {
    try {
      for (;;) {
        const { done, value } = await puller.next();
        if (done || failure) break;
        if (value.byteLength === 0) continue;
        queue.push(value);
        queued += value.byteLength;
        wakeWriter?.();
        while (queued >= maxQueued && !failure) await park((wake) => (wakeReader = wake));
      }
    } catch (error) {
      failure ??= { error };
    } finally {
      ended = true;
      wakeWriter?.();
    }
  })();

  let size = 0;
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      if (failure) throw failure.error;
      if (queue.length === 0) {
        if (ended) break;
        await park((wake) => (wakeWriter = wake));
        wakeWriter = undefined;
        continue;
      }
      const chunk = queue.shift()!;
      options.onChunk?.(chunk);
      await writeFully(handle, chunk);
      size += chunk.byteLength;
      queued -= chunk.byteLength;
      if (queued < maxQueued) {
        wakeReader?.();
        wakeReader = undefined;
      }
    }
    options.signal?.throwIfAborted();
    return size;
  } catch (error) {
    failure ??= { error };
    wakeReader?.();
    // Stops the source (for a request body: cancels it, so the runtime drops the rest of the upload).
    await puller.stop();
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await reading;
  }
}

interface Puller {
  next(): Promise<IteratorResult<Uint8Array, unknown>>;
  /** Cancels the source; a pending `next()` ends. */
  stop(): Promise<void>;
}

/**
 * How a source is read. A stream is read through its reader, whose `cancel()` settles a pending read at once (an
 * async iterator's `return()` would wait behind it: for a stalled client, for ever). Not a BYOB reader, though Deno's
 * request bodies are byte streams: on a chunked upload from Deno's fetch each BYOB read took ~8 ms (300 MB: 38 s).
 */
function pullerFor(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): Puller {
  if (source instanceof ReadableStream) {
    const reader = source.getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<Uint8Array, unknown>>,
      stop: () => reader.cancel().catch(() => {}),
    };
  }
  const iterator = source[Symbol.asyncIterator]();
  return { next: () => iterator.next(), stop: async () => void await iterator.return?.().catch(() => {}) };
}

/** Writes until every byte of `chunk` is on the file (a write may take fewer bytes than it was given). */
async function writeFully(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}
