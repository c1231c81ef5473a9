import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { streamToFile } from "./stream_to_file.ts";

async function withFile(fn: (handle: Awaited<ReturnType<typeof open>>, path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-stream-"));
  const path = join(dir, "out.bin");
  const handle = await open(path, "w");
  try {
    await fn(handle, path);
  } finally {
    await handle.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** `count` chunks of `size` bytes, each filled with its index. */
function chunks(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => new Uint8Array(size).fill(i & 0xff));
}

test("streamToFile() writes a stream's bytes in order and feeds each to onChunk", async () => {
  await withFile(async (handle, path) => {
    const parts = chunks(700, 3001); // odd sizes, and more of them than the queue holds
    const hash = createHash("sha256");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.enqueue(new Uint8Array(0));
        controller.close();
      },
    });
    const size = await streamToFile(handle, stream, { onChunk: (c) => hash.update(c), maxQueued: 64 << 10 });
    assert.equal(size, 700 * 3001);
    const expected = Buffer.concat(parts);
    assert.deepEqual(await readFile(path), expected);
    assert.equal(hash.digest("hex"), createHash("sha256").update(expected).digest("hex"));
  });
});

test("streamToFile() stops reading while maxQueued bytes wait to be written", async () => {
  await withFile(async (handle) => {
    let pulled = 0;
    let maxAhead = 0;
    let written = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled === 64) return controller.close();
        pulled++;
        maxAhead = Math.max(maxAhead, pulled * 1024 - written);
        controller.enqueue(new Uint8Array(1024));
      },
    }, { highWaterMark: 0 });
    // onChunk runs just before a write: counting there bounds what was read but not yet written.
    await streamToFile(handle, stream, { maxQueued: 8 * 1024, onChunk: (c) => void (written += c.byteLength) });
    assert.equal(pulled, 64);
    assert.ok(maxAhead <= 9 * 1024, `read ${maxAhead} bytes ahead of the writes`);
  });
});

test("streamToFile() rethrows the source's error", async () => {
  await withFile(async (handle) => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(10));
        controller.error(new Error("connection reset"));
      },
    });
    await assert.rejects(streamToFile(handle, stream), /connection reset/);
  });
});

test("streamToFile() cancels the source when a write fails", async () => {
  await withFile(async (handle) => {
    let cancelled: unknown;
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(1024)),
      cancel: (reason) => void (cancelled = reason ?? true),
    });
    await handle.close(); // every write now fails
    await assert.rejects(streamToFile(handle, stream));
    assert.ok(cancelled, "the source was cancelled");
  });
});

test("streamToFile() rejects at once when aborted while the source is stalled, and cancels it", async () => {
  await withFile(async (handle) => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new Uint8Array(16)),
      // Never enqueues again: a client that stopped sending.
      pull: () => new Promise(() => {}),
      cancel: () => void (cancelled = true),
    });
    const controller = new AbortController();
    const writing = streamToFile(handle, stream, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("client went away")), 50);
    await assert.rejects(writing, /client went away/);
    assert.ok(cancelled);
  });
});

test("streamToFile() reads an async iterable too", async () => {
  await withFile(async (handle, path) => {
    async function* source() {
      yield new Uint8Array([1, 2]);
      yield new Uint8Array([3]);
    }
    assert.equal(await streamToFile(handle, source()), 3);
    assert.deepEqual([...await readFile(path)], [1, 2, 3]);
  });
});
