import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  encodeF32,
  fileTypeName,
  GGML_TYPE,
  GgufError,
  parameterCount,
  parameterSize,
  readGguf,
  writeGguf,
} from "./mod.ts";

const MODELS = "/work/shared/models";

for (
  const { name, tokens, kvHeads, model, merges } of [
    { name: "tiny-spm", tokens: 32000, kvHeads: 4, model: "llama", merges: 0 },
    { name: "tiny-bpe", tokens: 50257, kvHeads: 2, model: "gpt2", merges: 50000 },
  ]
) {
  const path = join(MODELS, `${name}.gguf`);
  const skip = existsSync(path) ? false : `${path} is absent (reference models from llama.cpp's Python writer)`;
  test(`readGguf() reads ${name}.gguf written by llama.cpp's own writer`, { skip }, async () => {
    const gguf = await readGguf(path);
    assert.equal(gguf.version, 3);
    assert.equal(gguf.alignment, 32);
    assert.equal(gguf.metadata["general.architecture"], "llama");
    assert.equal(gguf.metadata["general.name"], name);
    assert.equal(gguf.metadata["llama.embedding_length"], 64);
    assert.equal(gguf.metadata["llama.block_count"], 2);
    assert.equal(gguf.metadata["llama.attention.head_count"], 4);
    assert.equal(gguf.metadata["llama.attention.head_count_kv"], kvHeads);
    assert.equal(gguf.metadata["llama.attention.layer_norm_rms_epsilon"], 1e-5);
    assert.equal(gguf.metadataTypes["llama.attention.layer_norm_rms_epsilon"], "float32");
    assert.equal(gguf.metadataTypes["llama.context_length"], "uint32");
    assert.equal(gguf.metadata["tokenizer.ggml.model"], model);
    assert.equal((gguf.metadata["tokenizer.ggml.tokens"] as string[]).length, tokens);
    assert.equal(gguf.metadataTypes["tokenizer.ggml.tokens"], "array<string>");
    assert.equal(gguf.metadataTypes["tokenizer.ggml.token_type"], "array<int32>");
    assert.equal(((gguf.metadata["tokenizer.ggml.merges"] ?? []) as string[]).length, merges);
    assert.match(gguf.metadata["tokenizer.chat_template"] as string, /<\|im_start\|>/);
    assert.equal(fileTypeName(gguf.metadata["general.file_type"] as number), "F16");

    assert.equal(gguf.tensors.length, 2 * 9 + 3);
    const byName = new Map(gguf.tensors.map((t) => [t.name, t]));
    assert.deepEqual(byName.get("token_embd.weight")?.shape, [64, tokens]);
    assert.equal(byName.get("token_embd.weight")?.typeName, "F16");
    assert.deepEqual(byName.get("blk.1.attn_k.weight")?.shape, [64, 16 * kvHeads]);
    assert.deepEqual(byName.get("blk.0.ffn_down.weight")?.shape, [128, 64]);
    assert.equal(byName.get("output_norm.weight")?.typeName, "F32");
    assert.equal(gguf.tensorDataOffset % 32, 0);
    const last = gguf.tensors.reduce((a, b) => (a.offset > b.offset ? a : b));
    assert.ok(gguf.tensorDataOffset + last.offset + last.size <= gguf.fileSize);
    assert.equal(
      parameterCount(gguf),
      64 * tokens * 2 + 64 + 2 * (64 * 2 + 64 * 64 * 2 + 64 * 16 * kvHeads * 2 + 3 * 64 * 128),
    );
    assert.match(parameterSize(gguf), /^\d+\.\d\dM$/);
  });

  test(`readGguf() with maxArrayElements skips the vocabulary of ${name}.gguf`, { skip }, async () => {
    const gguf = await readGguf(path, { maxArrayElements: 1000 });
    assert.deepEqual(gguf.metadata["tokenizer.ggml.tokens"], []);
    assert.equal(gguf.skippedArrays["tokenizer.ggml.tokens"], tokens);
    assert.equal(gguf.metadataTypes["tokenizer.ggml.tokens"], "array<string>");
    assert.equal(gguf.metadata["tokenizer.ggml.bos_token_id"], model === "llama" ? 1 : 50256);
    assert.equal(gguf.tensors.length, 21);
  });
}

test("readGguf() rejects what is not GGUF, naming the offset", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gguf-read-"));
  try {
    const cases: Array<[string, Uint8Array, RegExp, number]> = [
      ["empty", new Uint8Array(0), /too short/, 0],
      ["text", new TextEncoder().encode("hello world, not a model"), /not a GGUF file/, 0],
      ["v1", header(1), /version 1 is not supported/, 4],
      ["v9", header(9), /unsupported GGUF version 9/, 4],
      ["big-endian", header(0x03000000), /big-endian/, 4],
      ["no counts", header(3).subarray(0, 12), /end of file reading tensor count/, 8],
    ];
    for (const [name, bytes, message, offset] of cases) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      await assert.rejects(readGguf(path), (error: unknown) => {
        assert.ok(error instanceof GgufError, `${name}: ${error}`);
        assert.match(error.message, message);
        assert.equal(error.offset, offset, name);
        assert.match(error.message, new RegExp(`at byte offset ${offset}`));
        return true;
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("readGguf() gives the file system's error for a missing file", async () => {
  await assert.rejects(readGguf(join(tmpdir(), "no-such-dir-tollama", "x.gguf")), (error: NodeJS.ErrnoException) => {
    assert.equal(error.code, "ENOENT");
    return true;
  });
});

test("readGguf() refuses a claimed count that cannot fit in the file, without allocating it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gguf-read-"));
  try {
    const bytes = new Uint8Array(24 + 64);
    bytes.set(header(3));
    const view = new DataView(bytes.buffer);
    view.setBigUint64(16, 0xffffffffffffn, true); // kv count
    const path = join(dir, "huge-count.gguf");
    await writeFile(path, bytes);
    await assert.rejects(readGguf(path), (error: unknown) => error instanceof GgufError && error.offset === 16);
    // A string length of 2^63 in the first key.
    view.setBigUint64(16, 1n, true);
    view.setBigUint64(24, 1n << 63n, true);
    const fh = await open(path, "w");
    await fh.write(bytes);
    await fh.close();
    await assert.rejects(
      readGguf(path),
      (error: unknown) =>
        error instanceof GgufError && error.offset === 24 && /metadata key length/.test(error.message),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("readGguf() reads only the header of a 4 GiB model", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gguf-read-"));
  try {
    const path = join(dir, "big.gguf");
    await writeGguf(path, {
      metadata: { "general.architecture": "llama" },
      tensors: [{ name: "big", type: GGML_TYPE.F32, shape: [32], data: encodeF32(new Float32Array(32)) }],
    });
    // Make the tensor 2^30 floats, and the file (sparse) long enough to hold them.
    const small = await readGguf(path);
    const fh = await open(path, "r+");
    try {
      const bytes = new Uint8Array(small.tensorDataOffset);
      await fh.read(bytes, 0, bytes.length, 0);
      const name = new TextEncoder().encode("big");
      const at = bytes.findIndex((_, i) => name.every((b, j) => bytes[i + j] === b)) + name.length + 4;
      const dim = new Uint8Array(8);
      new DataView(dim.buffer).setBigUint64(0, 1n << 30n, true);
      await fh.write(dim, 0, 8, at);
      await fh.truncate(small.tensorDataOffset + 4 * 2 ** 30);
    } finally {
      await fh.close();
    }
    const started = performance.now();
    const gguf = await readGguf(path);
    assert.ok(performance.now() - started < 2000, "the header read took over 2 s");
    assert.equal(gguf.fileSize, gguf.tensorDataOffset + 4 * 2 ** 30);
    assert.deepEqual(gguf.tensors[0].shape, [2 ** 30]);
    assert.equal(gguf.tensors[0].size, 4 * 2 ** 30);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("readGguf() reads version 2, and rejects a bad general.alignment and over-deep nesting", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gguf-read-"));
  try {
    const path = join(dir, "v2.gguf");
    await writeGguf(path, { metadata: { "general.architecture": "llama", "n": [[1], [2, 3]] } });
    const fh = await open(path, "r+");
    await fh.write(new Uint8Array([2, 0, 0, 0]), 0, 4, 4);
    await fh.close();
    const v2 = await readGguf(path);
    assert.equal(v2.version, 2);
    assert.deepEqual(v2.metadata["n"], [[1], [2, 3]]);
    assert.equal(v2.metadataTypes["n"], "array<array<int32>>");

    // general.alignment as an int32: patch the type id (after the 24-byte header and the key) from 4 to 5.
    await writeGguf(path, { metadata: { "general.alignment": 32 } });
    const patch = await open(path, "r+");
    await patch.write(new Uint8Array([5]), 0, 1, 24 + 8 + "general.alignment".length);
    await patch.close();
    await assert.rejects(readGguf(path), (error: unknown) => {
      assert.ok(error instanceof GgufError);
      assert.match(error.message, /general.alignment must be a power-of-two uint32/);
      assert.equal(error.offset, 24);
      return true;
    });

    let deep: unknown = [1];
    for (let i = 0; i < 9; i++) deep = [deep];
    await writeGguf(path, { metadata: { deep: deep as number[] } });
    await assert.rejects(readGguf(path), /nests deeper than 8 levels/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function header(version: number): Uint8Array {
  const bytes = new Uint8Array(24);
  const view = new DataView(bytes.buffer);
  bytes.set([0x47, 0x47, 0x55, 0x46]);
  view.setUint32(4, version, true);
  return bytes;
}
