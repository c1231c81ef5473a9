// CPU repacking on the header route (Model.fromUser): the weights ggml repacks for a file load are repacked here too,
// the model decodes as the same file loaded by libllama, and a repacked tensor written in pieces is an error, not an
// abort. The model: tiny-spm's tensors with every matrix quantized to Q4_0 (the type ggml repacks on AVX2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeGgufHeader, GGML_TYPE, type GgufFile, readGguf, writeGguf } from "../gguf/mod.ts";
import { argmax, Batch, cpuExtraBufferTypes, Llama, Model, ModelLoadError, type TensorSlot } from "./mod.ts";
import { AMX, CPU_REPACK, cpuRepackOverrides, overridePatterns } from "./repack.ts";
import { fixtureModel, fixtureSkip } from "../../tests/fixtures/mod.ts";
import { quantizeQ4_0 } from "../../tests/fixtures/quantize_q4_0.ts";

const skip = fixtureSkip("tiny-spm");

/** Writes tiny-spm with its 2-D matrices (token_embd too, GET_ROWS: it must stay unrepacked) as Q4_0. */
async function q4Model(dir: string): Promise<{ path: string; file: GgufFile }> {
  const source = await readGguf(await fixtureModel("tiny-spm"));
  const fd = openSync(source.path, "r");
  const path = join(dir, "tiny-q4.gguf");
  try {
    const tensors = source.tensors.map((t) => {
      const bytes = new Uint8Array(t.size);
      readSync(fd, bytes, 0, t.size, source.tensorDataOffset + t.offset);
      const values = new Float32Array(bytes.buffer, 0, t.size / 4);
      return t.shape.length === 2
        ? { name: t.name, type: GGML_TYPE.Q4_0, shape: t.shape, data: quantizeQ4_0(values) }
        : { name: t.name, type: t.type, shape: t.shape, data: bytes };
    });
    const metadata = Object.fromEntries(
      Object.entries(source.metadata).map(([key, value]) => [key, { type: source.metadataTypes[key], value }]),
    );
    await writeGguf(path, { metadata: metadata as never, tensors });
  } finally {
    closeSync(fd);
  }
  return { path, file: await readGguf(path) };
}

/**
 * The file through Model.fromUser: each tensor read from it, and which `fill` saw repacked. `repack: false` names no
 * weights (the route as it was); `pieces` writes a repacked tensor in two halves.
 */
function fromUser(
  llama: Llama,
  path: string,
  file: GgufFile,
  { pieces = false, repack = true } = {},
): { model: Model; repacked: string[] } {
  const header = encodeGgufHeader({
    metadata: Object.fromEntries(
      Object.entries(file.metadata).map(([key, value]) => [key, { type: file.metadataTypes[key], value }]),
    ) as never,
    tensors: file.tensors,
  }).bytes;
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  const repacked: string[] = [];
  const fd = openSync(path, "r");
  try {
    const model = Model.fromUser(llama, path, header, (slot: TensorSlot) => {
      const t = byName.get(slot.name)!;
      const bytes = new Uint8Array(t.size);
      readSync(fd, bytes, 0, t.size, file.tensorDataOffset + t.offset);
      if (slot.repacked) repacked.push(slot.name);
      if (pieces && slot.repacked) {
        slot.set(bytes.subarray(0, t.size / 2));
        slot.set(bytes.subarray(t.size / 2), t.size / 2);
      } else {
        slot.set(bytes);
      }
    }, repack ? { repack: file.tensors } : {});
    return { model, repacked };
  } finally {
    closeSync(fd);
  }
}

/** 12 greedy ids after a short prompt. */
function greedy(llama: Llama, model: Model): number[] {
  using context = model.createContext({ nCtx: 256, nBatch: 64 });
  using batch = new Batch(llama.ffi, 64, 1);
  const prompt = model.vocab.tokenize("The quick brown fox jumps over", { addSpecial: true });
  prompt.forEach((t, i) => batch.add(t, i, 0, i === prompt.length - 1));
  context.decode(batch);
  const out: number[] = [];
  for (let k = 0; k < 12; k++) {
    const next = argmax(context.logits(-1));
    out.push(next);
    batch.clear();
    batch.add(next, prompt.length + k, 0, true);
    context.decode(batch);
  }
  return out;
}

test("overridePatterns() names exactly the chosen weights, a whole layer set as \\d+", () => {
  const w = (name: string) => ({ name, type: GGML_TYPE.Q4_0, shape: [64, 64] });
  const weights = [
    w("token_embd.weight"),
    w("blk.0.attn_q.weight"),
    w("blk.1.attn_q.weight"),
    w("blk.0.ffn_down.weight"),
    w("blk.1.ffn_down.weight"),
    w("output.weight"),
  ];
  const chosen = new Set(["blk.0.attn_q.weight", "blk.1.attn_q.weight", "blk.1.ffn_down.weight", "output.weight"]);
  const patterns = overridePatterns(weights, chosen);
  assert.deepEqual(patterns.sort(), ["^blk\\.(1)\\.ffn_down\\.weight$", "^blk\\.\\d+\\.attn_q\\.weight$", "^output\\.weight$"]);
  const named = weights.map((x) => x.name).filter((name) => patterns.some((p) => new RegExp(p).test(name)));
  assert.deepEqual(named.sort(), [...chosen].sort());
});

test("Model.fromUser() repacks the matrices a file load repacks, and decodes as the file does", { skip }, async () => {
  const llama = await Llama.open();
  if (cpuExtraBufferTypes(llama).size === 0) {
    console.log("this CPU backend has no AMX or CPU_REPACK buffer type: nothing to repack");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "tollama-repack-"));
  try {
    const { path, file } = await q4Model(dir);
    const { model, repacked } = fromUser(llama, path, file);
    using _model = model;
    // what fill saw is what the overrides placed; with AMX or AVX2's repack (Q4_0, rows divisible by 32 and 8):
    // every block matrix and the output head, never token_embd
    const placed = [...(cpuRepackOverrides(llama, file.tensors)?.placed.keys() ?? [])];
    assert.deepEqual(repacked.sort(), placed.sort());
    const matrices = file.tensors.filter((t) => /^blk\.\d+\.(attn_[qkv]|attn_output|ffn_(gate|up|down))\.weight$|^output\.weight$/.test(t.name));
    if (cpuExtraBufferTypes(llama).has(AMX) || /AVX2 = 1/.test(llama.systemInfo())) {
      assert.deepEqual(repacked.sort(), matrices.map((t) => t.name).sort());
    }
    assert.ok(!repacked.includes("token_embd.weight"));
    using fromFile = Model.load(llama, path);
    assert.deepEqual(greedy(llama, model), greedy(llama, fromFile));
    // without the weights named, nothing is repacked (the route as it was)
    const plain = fromUser(llama, path, file, { repack: false });
    using _plain = plain.model;
    assert.equal(plain.repacked.length, 0);
    assert.deepEqual(greedy(llama, plain.model), greedy(llama, fromFile));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a repacked tensor written in pieces: a RangeError from the load, not an abort", { skip }, async () => {
  const llama = await Llama.open();
  if (cpuExtraBufferTypes(llama).size === 0) return;
  const dir = mkdtempSync(join(tmpdir(), "tollama-repack-"));
  try {
    const { path, file } = await q4Model(dir);
    if (!cpuRepackOverrides(llama, file.tensors)) return; // this CPU moves none of them
    assert.throws(() => fromUser(llama, path, file, { pieces: true }), (error: Error) => {
      assert.ok(error instanceof RangeError && !(error instanceof ModelLoadError));
      assert.match(error.message, /is repacked for the CPU: it is written whole/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("cpuRepackOverrides(): AMX first where amx.cpp takes the shape, then ggml's repack kernels, else nothing", { skip }, async () => {
  const llama = await Llama.open();
  const buffers = cpuExtraBufferTypes(llama);
  const w = (name: string, type: number, shape: number[]) => ({ name, type, shape });
  const weights = [
    w("token_embd.weight", GGML_TYPE.Q4_0, [64, 256]), // GET_ROWS: never moved
    w("blk.0.attn_q.weight", GGML_TYPE.Q4_0, [64, 64]), // AMX (64 % 32), or repack (64 % 8)
    w("blk.0.attn_k.weight", GGML_TYPE.Q4_0, [64, 48]), // not AMX (48 % 32): repack (48 % 8)
    w("blk.0.attn_v.weight", GGML_TYPE.Q4_0, [64, 36]), // neither (36 % 8)
    w("blk.0.ffn_up_exps.weight", GGML_TYPE.Q4_0, [64, 64, 4]), // MUL_MAT_ID: never AMX; repack
    w("blk.0.ffn_down.weight", GGML_TYPE.F32, [64, 64]), // F32: no kernel anywhere
    w("blk.0.attn_norm.weight", GGML_TYPE.Q4_0, [64, 64]), // not a matrix-multiplication weight
  ];
  const placed = cpuRepackOverrides(llama, weights)?.placed ?? new Map();
  const avx2 = /AVX2 = 1/.test(llama.systemInfo());
  const expected = new Map<string, string>();
  if (buffers.has(AMX)) expected.set("blk.0.attn_q.weight", AMX);
  if (buffers.has(CPU_REPACK) && avx2) {
    if (!buffers.has(AMX)) expected.set("blk.0.attn_q.weight", CPU_REPACK);
    expected.set("blk.0.attn_k.weight", CPU_REPACK);
    expected.set("blk.0.ffn_up_exps.weight", CPU_REPACK);
  }
  console.log(`extra buffer types: ${[...buffers.keys()].join(", ") || "none"}; AVX2: ${avx2}`);
  assert.deepEqual(new Map([...placed].sort()), new Map([...expected].sort()));
});
