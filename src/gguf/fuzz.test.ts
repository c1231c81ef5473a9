// Damaged files: every truncation of a header, random byte flips and random length fields. Each read must end,
// quickly, in either a valid result or a GgufError whose offset lies inside the file: never another error, a hang
// or a huge allocation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeF16, encodeF32, GGML_TYPE, GgufError, quantizeQ8_0, readGguf, writeGguf } from "./mod.ts";

const READ_DEADLINE_MS = 5000;

// xorshift32: reproducible damage, so a failure names a seed that repeats it.
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Reads `path`; returns "ok" or "error", failing the test on anything but a GgufError with a sane offset. */
async function readDamaged(path: string, size: number, what: string): Promise<"ok" | "error"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: read took over ${READ_DEADLINE_MS} ms`)), READ_DEADLINE_MS);
  });
  try {
    await Promise.race([readGguf(path), deadline]);
    return "ok";
  } catch (error) {
    if (!(error instanceof GgufError)) throw new Error(`${what}: expected a GgufError, got ${error}`, { cause: error });
    assert.ok(error.offset >= 0 && error.offset <= size, `${what}: offset ${error.offset} outside 0..${size}`);
    assert.match(error.message, /at byte offset \d+/);
    return "error";
  } finally {
    clearTimeout(timer);
  }
}

async function sampleFile(dir: string): Promise<{ path: string; dataEnd: number }> {
  const path = join(dir, "sample.gguf");
  const q8 = new Float32Array(64).map((_, i) => Math.cos(i));
  await writeGguf(path, {
    metadata: {
      "general.architecture": "llama",
      "general.alignment": 32,
      "llama.context_length": 2048,
      "f": 1e-5,
      "neg": -7,
      "big": 1n << 60n,
      "flag": false,
      "d": { type: "float64", value: 2.5 },
      "tokens": ["<unk>", "<s>", "</s>", "▁the", "🤖"],
      "scores": { type: "array<float32>", value: [0, 0, 0, -1.5, -2] },
      "types": { type: "array<int32>", value: [2, 3, 3, 1, 1] },
      "small": { type: "array<uint16>", value: [1, 2, 3] },
      "nested": [["a"], ["b", "c"]],
      "template": "{% for m in messages %}{{ m.content }}{% endfor %}",
    },
    tensors: [
      {
        name: "token_embd.weight",
        type: GGML_TYPE.F16,
        shape: [8, 5],
        data: encodeF16(new Float32Array(40).fill(0.5)),
      },
      { name: "output_norm.weight", type: GGML_TYPE.F32, shape: [8], data: encodeF32(new Float32Array(8).fill(1)) },
      { name: "output.weight", type: GGML_TYPE.Q8_0, shape: [32, 2], data: quantizeQ8_0(q8) },
    ],
  });
  const gguf = await readGguf(path);
  const dataEnd = Math.max(...gguf.tensors.map((t) => gguf.tensorDataOffset + t.offset + t.size));
  return { path, dataEnd };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "gguf-fuzz-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("readGguf() on a file cut at every byte up to its last tensor's end gives a GgufError", () =>
  withDir(async (dir) => {
    const { path, dataEnd } = await sampleFile(dir);
    const fh = await open(path, "r+");
    try {
      // Cut from the end backwards: one file, shrunk step by step.
      for (let cut = dataEnd - 1; cut >= 0; cut--) {
        await fh.truncate(cut);
        assert.equal(await readDamaged(path, cut, `cut at ${cut}`), "error", `cut at ${cut} was read as valid`);
      }
    } finally {
      await fh.close();
    }
  }));

test("readGguf() survives random byte flips and random length fields", () =>
  withDir(async (dir) => {
    const { path } = await sampleFile(dir);
    const original = new Uint8Array(await readFile(path));
    const gguf = await readGguf(path);
    const headerEnd = gguf.tensorDataOffset;
    const seed = 20261122;
    const random = prng(seed);
    const fh = await open(path, "r+");
    const outcomes = { ok: 0, error: 0 };
    try {
      for (let round = 0; round < 1500; round++) {
        const damaged = original.slice();
        const view = new DataView(damaged.buffer);
        const kind = round % 3;
        if (kind === 0) {
          // 1-4 random bytes anywhere in the header.
          for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
            damaged[Math.floor(random() * headerEnd)] = Math.floor(random() * 256);
          }
        } else if (kind === 1) {
          // One bit, for damage that stays plausible.
          const at = Math.floor(random() * headerEnd);
          damaged[at] ^= 1 << Math.floor(random() * 8);
        } else {
          // A random 64-bit length or count somewhere: huge, small, or just off by a little.
          const at = Math.floor(random() * (headerEnd - 8));
          const choice = random();
          const value = choice < 0.3
            ? BigInt(Math.floor(random() * 2 ** 32)) << BigInt(Math.floor(random() * 32))
            : choice < 0.6
            ? BigInt(Math.floor(random() * 64))
            : view.getBigUint64(at, true) + BigInt(Math.floor(random() * 7) - 3);
          view.setBigUint64(at, BigInt.asUintN(64, value), true);
        }
        await fh.write(damaged, 0, damaged.length, 0);
        outcomes[await readDamaged(path, damaged.length, `seed ${seed} round ${round}`)]++;
      }
    } finally {
      await fh.close();
    }
    // Both outcomes happen: some damage hits string contents and leaves a valid file.
    assert.ok(outcomes.error > 500, JSON.stringify(outcomes));
  }));

const reference = "/work/shared/models/tiny-spm.gguf";
test(
  "readGguf() on a damaged real model (tiny-spm.gguf): cuts and flips give GgufErrors quickly",
  { skip: existsSync(reference) ? false : `${reference} is absent` },
  () =>
    withDir(async (dir) => {
      const path = join(dir, "damaged.gguf");
      await copyFile(reference, path);
      const gguf = await readGguf(path);
      const random = prng(7);

      const fh = await open(path, "r+");
      try {
        // Flips in the header, each undone after its read.
        for (let round = 0; round < 40; round++) {
          const at = Math.floor(random() * gguf.tensorDataOffset);
          const byte = new Uint8Array(1);
          await fh.read(byte, 0, 1, at);
          await fh.write(new Uint8Array([byte[0] ^ (1 + Math.floor(random() * 255))]), 0, 1, at);
          await readDamaged(path, gguf.fileSize, `flip at ${at}`);
          await fh.write(byte, 0, 1, at);
        }
        // Cuts at every section boundary (header sizes, each tensor's start and end) and at random offsets.
        const cuts = new Set<number>([0, 4, 8, 16, 24, gguf.tensorDataOffset, gguf.tensorDataOffset - 1]);
        for (const t of gguf.tensors) {
          cuts.add(gguf.tensorDataOffset + t.offset);
          cuts.add(gguf.tensorDataOffset + t.offset + t.size - 1);
        }
        for (let i = 0; i < 40; i++) cuts.add(Math.floor(random() * gguf.tensorDataOffset));
        for (let i = 0; i < 20; i++) cuts.add(Math.floor(random() * gguf.fileSize * 0.99));
        for (const cut of [...cuts].sort((a, b) => b - a)) {
          await fh.truncate(cut);
          assert.equal(await readDamaged(path, cut, `cut at ${cut}`), "error", `cut at ${cut} was read as valid`);
        }
      } finally {
        await fh.close();
      }
    }),
);
