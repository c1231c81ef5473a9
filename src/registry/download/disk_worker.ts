/**
 * Worker side of `WorkerSink`: writes the buffers of a download at their offsets, hashes the blob in order (from
 * memory when a buffer lands where the hash stands, else by reading back the landed ranges), and at the end fsyncs
 * and returns the digest. The thread that receives the bytes then only receives bytes: disk writes (synchronous on
 * the main thread in some runtimes) and sha256 run here.
 *
 * In: `open { path, size, written }`, `write { seq, at, chunks }` (consecutive bytes from `at`), `finish`, `close`.
 * Out: `ready`, `landed { seq, bytes }` (every write up to seq is on disk; `bytes` landed in all),
 * `error { seq, message, code }`, `digest { digest }`, `closed`.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";

const READ_SIZE = 4 << 20;
/** Bytes hashed and written in one step (well inside a core's L2 cache). */
const PIECE = 256 << 10;
const ACK_BYTES = 256 << 10;
const ACK_MS = 5;

const scope = globalThis as unknown as { onmessage: (event: MessageEvent) => void; postMessage: (message: unknown) => void };
let fd = -1;
let size = 0;
let position = 0;
let hash: Hash = createHash("sha256");
let pending: Array<[number, number]> = [];
let readBuffer: Uint8Array | undefined;
let landedBytes = 0;
let landedSeq = -1;
let ackedSeq = -1;
let unacked = 0;
let ackTimer: ReturnType<typeof setTimeout> | undefined;
let failed = false;

function add(start: number, end: number): void {
  start = Math.max(start, position);
  if (end <= start) return;
  const last = pending[pending.length - 1];
  if (last && start >= last[0]) {
    // The common case: appended in order.
    if (start <= last[1]) last[1] = Math.max(last[1], end);
    else pending.push([start, end]);
    return;
  }
  pending.push([start, end]);
  pending.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const range of pending) {
    const top = merged[merged.length - 1];
    if (top && range[0] <= top[1]) top[1] = Math.max(top[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  pending = merged;
}

function catchUp(): void {
  while (pending.length && pending[0][0] <= position) {
    const end = pending[0][1];
    if (end <= position) {
      pending.shift();
      continue;
    }
    readBuffer ??= new Uint8Array(READ_SIZE);
    const length = Math.min(READ_SIZE, end - position);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, readBuffer, got, length - got, position + got);
      if (n === 0) throw new Error(`short read of the partial file at ${position + got}`);
      got += n;
    }
    hash.update(readBuffer.subarray(0, length));
    position += length;
  }
}

function ack(): void {
  clearTimeout(ackTimer);
  ackTimer = undefined;
  if (landedSeq > ackedSeq) {
    ackedSeq = landedSeq;
    unacked = 0;
    scope.postMessage({ type: "landed", seq: landedSeq, bytes: landedBytes });
  }
}

function write(seq: number, at: number, chunks: Uint8Array[]): void {
  let length = 0;
  for (const chunk of chunks) {
    const inOrder = at + length === position;
    // In pieces that fit the core's cache: the hash pulls a piece in, and the write copies it out from there (one
    // trip through memory per byte instead of two).
    for (let start = 0; start < chunk.byteLength; start += PIECE) {
      const piece = chunk.subarray(start, Math.min(chunk.byteLength, start + PIECE));
      if (inOrder) hash.update(piece);
      let done = 0;
      while (done < piece.byteLength) done += writeSync(fd, piece, done, piece.byteLength - done, at + length + start + done);
    }
    if (inOrder) position += chunk.byteLength;
    else add(at + length, at + length + chunk.byteLength);
    length += chunk.byteLength;
  }
  catchUp();
  landedSeq = seq;
  landedBytes += length;
  unacked += length;
  // Acks are batched (by bytes, or after a few ms) so the receiving thread gets few messages.
  if (unacked >= ACK_BYTES) ack();
  else ackTimer ??= setTimeout(ack, ACK_MS);
}

scope.onmessage = (event: MessageEvent) => {
  const message = event.data;
  if (failed) {
    if (message.type === "close") {
      if (fd >= 0) closeSync(fd);
      fd = -1;
      scope.postMessage({ type: "closed" });
    }
    return;
  }
  try {
    switch (message.type) {
      case "open":
        fd = openSync(message.path, "r+");
        size = message.size;
        for (const [start, end] of message.written) add(start, end);
        catchUp();
        scope.postMessage({ type: "ready" });
        break;
      case "write":
        write(message.seq, message.at, message.chunks);
        break;
      case "finish":
        ack();
        catchUp();
        if (position !== size) throw new Error(`sha256 of the download is missing bytes from ${position}`);
        fsyncSync(fd);
        closeSync(fd);
        fd = -1;
        scope.postMessage({ type: "digest", digest: `sha256:${hash.digest("hex")}` });
        hash = createHash("sha256");
        break;
      case "close":
        ack();
        if (fd >= 0) closeSync(fd);
        fd = -1;
        scope.postMessage({ type: "closed" });
        break;
    }
  } catch (error) {
    failed = true;
    clearTimeout(ackTimer);
    const { message: text, code } = error as { message?: string; code?: string };
    scope.postMessage({ type: "error", seq: landedSeq + 1, message: text ?? String(error), code });
  }
};
