/**
 * Worker side of `WorkerHasher`: hashes a partial download file in order, reading back each range once the main
 * thread says it has landed. Keeps sha256 (the costliest per-byte step of a pull) off the thread that receives
 * and writes the bytes, so a pull runs at network and disk speed on a machine with a second core.
 *
 * Messages in: `{ type: "open", path, size, written: [start, end][] }`, `{ type: "written", start, end }`,
 * `{ type: "digest" }`. Out: `{ type: "digest", digest }` or `{ type: "error", message }`.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

const READ_SIZE = 4 << 20;
let fd = -1;
let size = 0;
let position = 0;
let hash: Hash | undefined;
let pending: Array<[number, number]> = [];
const buffer = new Uint8Array(READ_SIZE);

function add(start: number, end: number): void {
  start = Math.max(start, position);
  if (end <= start) return;
  pending.push([start, end]);
  pending.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const range of pending) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  pending = merged;
}

function catchUp(): void {
  while (pending.length && pending[0][0] <= position) {
    const [, end] = pending[0];
    if (end <= position) {
      pending.shift();
      continue;
    }
    const length = Math.min(READ_SIZE, end - position);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buffer, got, length - got, position + got);
      if (n === 0) throw new Error(`short read of the partial file at ${position + got}`);
      got += n;
    }
    hash!.update(buffer.subarray(0, length));
    position += length;
  }
}

const scope = globalThis as unknown as { onmessage: (event: MessageEvent) => void; postMessage: (message: unknown) => void };
scope.onmessage = (event: MessageEvent) => {
  const message = event.data;
  try {
    if (message.type === "open") {
      fd = openSync(message.path, "r");
      size = message.size;
      hash = createHash("sha256");
      for (const [start, end] of message.written) add(start, end);
    } else if (message.type === "written") {
      add(message.start, message.end);
    }
    catchUp();
    if (message.type === "digest") {
      if (position !== size) throw new Error(`sha256 of the download is missing bytes from ${position}`);
      closeSync(fd);
      scope.postMessage({ type: "digest", digest: `sha256:${hash!.digest("hex")}` });
    }
  } catch (error) {
    scope.postMessage({ type: "error", message: (error as Error).message ?? String(error) });
  }
};
