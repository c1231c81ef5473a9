/**
 * One attempt at one part of a blob: a ranged GET from where the part stands, checked (206 with the right
 * Content-Range, or a 200 whose leading bytes are skipped), written at its offset in batches, with a stall
 * watchdog that counts from the request so a server that never sends a first byte is caught too.
 * @module
 */
import type { BlobSink } from "./sink.ts";
import type { PartState } from "./state.ts";

/** No byte for the stall timeout: retried at once, without using up a retry. */
export class PartStalledError extends Error {
  constructor(ms: number) {
    super(`part stalled: no data for ${ms} ms`);
    this.name = "PartStalledError";
  }
}

/** Writing to disk failed (ENOSPC, EIO...): not retried, the download stops and keeps its state. */
export class WriteError extends Error {
  readonly code?: string;
  constructor(cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = "WriteError";
    this.code = (cause as { code?: string })?.code;
  }
}

/** The direct URL refused us (an expired signed CDN URL, say): resolve it again, then retry. */
export class DirectUrlRejectedError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`direct URL answered ${status}`);
    this.name = "DirectUrlRejectedError";
    this.status = status;
  }
}

export interface PartTransfer {
  /** Where the bytes go (written, hashed, made durable). */
  sink: BlobSink;
  /** Blob size. */
  size: number;
  url: URL;
  /** Request headers for `url` (User-Agent, and Authorization only when `url` is the registry's own origin). */
  headers: () => Headers;
  stallTimeoutMs: number;
  /** Most bytes handed to the sink but not yet landed, per part. */
  batchSize: number;
  /** Received chunks are gathered until they hold this many bytes, then handed to the sink together. */
  bufferSize: number;
  /** Called after each write lands with the bytes it added to `part.done`. */
  onWritten: (part: PartState, bytes: number) => void;
  /**
   * Settles when the previous part's last writes have landed (see `PartReceived`): the request goes out at once, the
   * body is read after it, so the bytes in flight stay bounded by `batchSize` across parts.
   */
  previous?: Promise<void>;
}

/** `bytes a-b/total` → numbers (total NaN for `*`). */
function parseContentRange(value: string | null): { start: number; end: number; total: number } | undefined {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value ?? "");
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), total: match[3] === "*" ? NaN : Number(match[3]) };
}

/**
 * What a clean end of `fetchPart` leaves: when every byte of the part has arrived, `landed` settles once the last
 * of them are on disk (and `part.done` counts them), or rejects with a `WriteError`. The caller may start the next
 * part meanwhile, so the disk never waits for a new request and the request never waits for the disk.
 */
export interface PartReceived {
  landed: Promise<void>;
}

/**
 * Downloads the rest of `part` (or as much as the server sends). Resolves after a clean end, which may leave the
 * part incomplete when the server sent a shorter range than asked (the caller asks again); rejects otherwise.
 * `part.done` only ever counts bytes that are on disk; it reaches the part's size once `landed` (if returned) settles.
 */
export async function fetchPart(
  transfer: PartTransfer,
  part: PartState,
  signal: AbortSignal,
): Promise<PartReceived | undefined> {
  const first = part.offset + part.done;
  const last = part.offset + part.size - 1;
  const attempt = new AbortController();
  const onAbort = () => attempt.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let lastByteAt = Date.now();
  let stalled = false;
  const watchdog = setInterval(() => {
    if (Date.now() - lastByteAt > transfer.stallTimeoutMs) {
      stalled = true;
      attempt.abort(new PartStalledError(transfer.stallTimeoutMs));
    }
  }, Math.max(10, Math.min(1000, transfer.stallTimeoutMs / 4)));

  const queue: Array<{ start: number; end: number; write: Promise<void> }> = [];
  let queued = 0;
  /** Hands the partly filled buffer to the sink (set once the body is being read). */
  let flush = () => {};
  /** Waits for the oldest write in flight and records it. */
  const settle = async () => {
    const head = queue.shift()!;
    queued -= head.end - head.start;
    try {
      await head.write;
    } catch (error) {
      // Later writes may still be running: let them finish before anyone closes the file.
      await Promise.allSettled(queue.map((w) => w.write));
      queue.length = 0;
      throw new WriteError(error);
    }
    lastByteAt = Date.now(); // time spent waiting on the disk is not a network stall
    part.done = head.end - part.offset;
    transfer.onWritten(part, head.end - head.start);
  };
  try {
    const headers = transfer.headers();
    headers.set("range", `bytes=${first}-${last}`);
    const response = await fetch(transfer.url, { headers, signal: attempt.signal, redirect: "follow" });
    let skip = 0;
    let end = last;
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get("content-range"));
      if (!range || range.start !== first || range.end > last || range.end < range.start ||
        (!Number.isNaN(range.total) && range.total !== transfer.size)) {
        await response.body?.cancel().catch(() => {});
        throw new Error(`unexpected Content-Range ${JSON.stringify(response.headers.get("content-range"))} for bytes=${first}-${last}`);
      }
      end = range.end;
    } else if (response.status === 200) {
      // The server ignored Range and sends the whole blob: skip to where this part stands.
      const length = response.headers.get("content-length");
      if (length !== null && Number(length) !== transfer.size) {
        await response.body?.cancel().catch(() => {});
        throw new Error(`unexpected Content-Length ${length} for a ${transfer.size}-byte blob`);
      }
      skip = first;
    } else {
      await response.body?.cancel().catch(() => {});
      if ([401, 403, 404, 410].includes(response.status)) throw new DirectUrlRejectedError(response.status);
      throw new Error(`unexpected status ${response.status} for bytes=${first}-${last}`);
    }
    if (!response.body) throw new Error("response has no body");
    if (transfer.previous) {
      await transfer.previous;
      lastByteAt = Date.now(); // time spent waiting on the disk is not a network stall
    }

    // Received chunks are gathered (not copied) and handed to the sink together once they reach `bufferSize`:
    // few writes, few messages, no copy. A run's bytes are handed over when it is big enough, when the body ends,
    // and when the transfer fails (bytes that arrived are good bytes). `part.done` moves only when every write
    // before it has landed, so the state never counts unwritten bytes.
    let position = first;
    let run: Uint8Array[] = [];
    let runBytes = 0;
    let runAt = first;
    flush = () => {
      if (runBytes === 0) return;
      queue.push({ start: runAt, end: runAt + runBytes, write: transfer.sink.write(runAt, run) });
      queued += runBytes;
      run = [];
      runBytes = 0;
    };
    const reader = response.body.getReader();
    try {
      while (position <= end) {
        const { done, value } = await reader.read();
        if (done) break;
        lastByteAt = Date.now();
        let chunk = value;
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.byteLength);
          skip -= dropped;
          chunk = chunk.subarray(dropped);
        }
        if (chunk.byteLength > end - position + 1) chunk = chunk.subarray(0, end - position + 1);
        if (chunk.byteLength === 0) continue;
        if (runBytes === 0) runAt = position;
        run.push(chunk);
        runBytes += chunk.byteLength;
        position += chunk.byteLength;
        if (runBytes >= transfer.bufferSize) flush();
        while (queued > transfer.batchSize) await settle();
      }
    } finally {
      if (position <= end) await reader.cancel().catch(() => {});
      else reader.cancel().catch(() => {});
    }
    flush();
    if (position > end && end === last) {
      // All of the part is here: its last writes land while the caller goes on (a failure still surfaces, as the
      // rejection of `landed`, after every write of the part has settled).
      const landed = (async () => {
        while (queue.length) await settle();
      })();
      return { landed };
    }
    while (queue.length) await settle();
    if (position <= end) throw new Error(`unexpected EOF: got ${position - first} of ${end - first + 1} bytes`);
    return undefined;
  } catch (error) {
    // Bytes that arrived before a failure are good bytes: keep what landed; nothing may still be writing after this.
    let writeFailure: unknown;
    flush();
    while (queue.length) await settle().catch((e) => writeFailure ??= e);
    if (error instanceof WriteError) throw error;
    if (writeFailure instanceof WriteError) throw writeFailure;
    if (signal.aborted) throw signal.reason;
    if (stalled) throw new PartStalledError(transfer.stallTimeoutMs);
    throw error;
  } finally {
    clearInterval(watchdog);
    signal.removeEventListener("abort", onAbort);
  }
}
