import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, open, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SequentialHasher } from "./hasher.ts";
import { bytesDone, type DownloadState, loadState, planParts, removeStateDebris, saveState } from "./state.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-dl-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("planParts() covers the blob exactly", () => {
  assert.deepEqual(planParts(0, 10), []);
  assert.deepEqual(planParts(25, 10).map((p) => [p.offset, p.size]), [[0, 10], [10, 10], [20, 5]]);
  assert.equal(planParts(1 << 30, 16 << 20).length, 64);
});

test("saveState()/loadState() round-trip; a state for another blob, size or shape is ignored", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "state.json");
    const digest = `sha256:${"a".repeat(64)}`;
    const state: DownloadState = { version: 1, digest, size: 25, parts: planParts(25, 10) };
    state.parts[1].done = 7;
    await saveState(path, state);
    assert.deepEqual(await loadState(path, digest, 25), state);
    assert.equal(bytesDone(state), 7);
    assert.equal(await loadState(path, `sha256:${"b".repeat(64)}`, 25), undefined);
    assert.equal(await loadState(path, digest, 26), undefined);
    await writeFile(path, JSON.stringify({ ...state, parts: [{ offset: 0, size: 10, done: 11 }] }));
    assert.equal(await loadState(path, digest, 25), undefined, "done > size");
    await writeFile(path, JSON.stringify({ ...state, parts: [{ offset: 0, size: 10, done: 0 }, { offset: 12, size: 13, done: 0 }] }));
    assert.equal(await loadState(path, digest, 25), undefined, "a gap");
    await writeFile(path, "{ torn");
    assert.equal(await loadState(path, digest, 25), undefined);
    assert.equal(await loadState(join(dir, "missing.json"), digest, 25), undefined);
    // A save a kill cut short leaves a temp file; the next owner removes it.
    await writeFile(join(dir, ".tmp-state.json-dead"), "{");
    await removeStateDebris(path);
    assert.deepEqual((await readdir(dir)).sort(), ["state.json"]);
  });
});

test("SequentialHasher hashes out-of-order landings in blob order, from memory where it can", async () => {
  await withDir(async (dir) => {
    const bytes = new Uint8Array(10 << 20).map((_, i) => (i * 31) ^ (i >> 9));
    const want = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    const path = join(dir, "partial");
    const file = await open(path, "w+");
    try {
      await file.truncate(bytes.length);
      // Two parts written interleaved, second part first; a resumed prefix already on disk.
      await file.write(bytes, 0, 1 << 20, 0);
      const hasher = new SequentialHasher(file, bytes.length, [[0, 1 << 20]]);
      const chunks: Array<[number, number]> = [];
      for (let at = 1 << 20; at < bytes.length; at += 300_000) chunks.push([at, Math.min(bytes.length, at + 300_000)]);
      const order = [...chunks.filter((_, i) => i % 2 === 1), ...chunks.filter((_, i) => i % 2 === 0)];
      for (const [start, end] of order) {
        const piece = bytes.subarray(start, end);
        hasher.offer(start, piece);
        await file.write(piece, 0, piece.length, start);
        hasher.written(start, end);
      }
      assert.equal(await hasher.digest(), want);
      const gap = new SequentialHasher(file, bytes.length, [[0, 100]]);
      await assert.rejects(gap.digest(), /missing bytes from 100/);
    } finally {
      await file.close();
    }
  });
});
