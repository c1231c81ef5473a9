import { test } from "node:test";
import assert from "node:assert/strict";
import {
  encodeF16,
  encodeF32,
  GGML_TYPE,
  ggmlTypeName,
  type GgufFile,
  quantizeQ8_0,
  tensorBytes,
} from "../gguf/mod.ts";
import { CompatError } from "./compat_error.ts";
import { HeaderEdit } from "./header_edit.ts";
import { concatTensors, normValues, shiftToF32PlusOne } from "./tensor_transforms.ts";

/** A header over `data` (one buffer, tensors laid out one after another from offset 0). */
function fileOf(
  tensors: Array<{ name: string; type: number; shape: number[]; bytes: Uint8Array }>,
): { file: GgufFile; data: Uint8Array } {
  let offset = 0;
  const infos = tensors.map((t) => {
    const info = {
      name: t.name,
      type: t.type,
      typeName: ggmlTypeName(t.type),
      shape: t.shape,
      offset,
      size: t.bytes.length,
    };
    offset += t.bytes.length;
    return info;
  });
  const data = new Uint8Array(offset);
  tensors.forEach((t, i) => data.set(t.bytes, infos[i].offset));
  const file: GgufFile = {
    path: "memory.gguf",
    version: 3,
    alignment: 32,
    metadata: {},
    metadataTypes: {},
    skippedArrays: {},
    tensors: infos,
    tensorDataOffset: 0,
    fileSize: offset,
  };
  return { file, data };
}

const f32Of = (bytes: Uint8Array) => new Float32Array(bytes.slice().buffer);

test("normValues reads F32, F16, BF16 and Q8_0", () => {
  const values = new Float32Array([0.5, -0.25, 1.5, 0]);
  assert.deepEqual(normValues(GGML_TYPE.F32, encodeF32(values)), values);
  assert.deepEqual(normValues(GGML_TYPE.F16, encodeF16(values)), values);
  // bf16 = the top 16 bits of each f32 (exact for these values)
  const f32 = encodeF32(values);
  const bf16 = new Uint8Array(8);
  for (let i = 0; i < 4; i++) bf16.set(f32.subarray(4 * i + 2, 4 * i + 4), 2 * i);
  assert.deepEqual(normValues(GGML_TYPE.BF16, bf16), values);
  const q = new Float32Array(32).map((_, i) => (i - 16) / 16);
  assert.ok(normValues(GGML_TYPE.Q8_0, quantizeQ8_0(q)).every((v, i) => Math.abs(v - q[i]) < 0.01));
  assert.throws(() => normValues(GGML_TYPE.Q4_K, new Uint8Array(144)), /cannot read Q4_K norm data/);
});

test("shiftToF32PlusOne makes F32 values + 1 from an F16 source, reading only its range", () => {
  const values = new Float32Array([0.5, -0.25, 0.125, 0]);
  const { file, data } = fileOf([
    { name: "a", type: GGML_TYPE.F32, shape: [2], bytes: encodeF32(new Float32Array([7, 7])) },
    { name: "n", type: GGML_TYPE.F16, shape: [4], bytes: encodeF16(values) },
  ]);
  const edit = new HeaderEdit("qwen35", file);
  const t = edit.tensor("n")!;
  shiftToF32PlusOne(edit, t);
  assert.equal(t.type, GGML_TYPE.F32);
  assert.equal(t.size, 16);
  const reads: Array<[number, number]> = [];
  const out = t.produce!((offset, size) => {
    reads.push([offset, size]);
    return data.slice(offset, offset + size);
  });
  assert.deepEqual(reads, [[8, 8]]);
  assert.deepEqual(f32Of(out), new Float32Array([1.5, 0.75, 1.125, 1]));
  assert.throws(
    () => shiftToF32PlusOne(edit, t),
    (e: unknown) => e instanceof CompatError && /transformed twice/.test(e.message),
  );
});

test("concatTensors stacks experts and extends the last dimension, as byte concatenation, in part order", () => {
  const part = (name: string, v: number) => ({
    name,
    type: GGML_TYPE.F32,
    shape: [2, 3],
    bytes: encodeF32(new Float32Array(6).fill(v)),
  });
  const { file, data } = fileOf([part("x", 9), part("e1", 1), part("e0", 0), part("e2", 2)]);
  const read = (offset: number, size: number) => data.slice(offset, offset + size);

  const stacked = new HeaderEdit("qwen35moe", file);
  const merged = concatTensors(stacked, "exps", ["e0", "e1", "e2"].map((n) => stacked.tensor(n)!), "stack");
  assert.deepEqual(merged.shape, [2, 3, 3]);
  assert.equal(merged.size, tensorBytes(GGML_TYPE.F32, [2, 3, 3]));
  assert.deepEqual([...f32Of(merged.produce!(read))], [...Array(6).fill(0), ...Array(6).fill(1), ...Array(6).fill(2)]);
  assert.deepEqual(stacked.header.tensors.map((t) => t.name), ["x", "exps"]);

  const fused = new HeaderEdit("glmocr", file);
  const up = concatTensors(fused, "up", [fused.tensor("e2")!, fused.tensor("x")!], "extend");
  assert.deepEqual(up.shape, [2, 6]);
  assert.deepEqual([...f32Of(up.produce!(read))], [...Array(6).fill(2), ...Array(6).fill(9)]);
  assert.deepEqual(fused.header.tensors.map((t) => t.name), ["e1", "e0", "up"]);
});

test("concatTensors refuses parts of different shapes or types, naming both", () => {
  const { file } = fileOf([
    { name: "a", type: GGML_TYPE.F32, shape: [32, 2], bytes: new Uint8Array(256) },
    { name: "b", type: GGML_TYPE.Q8_0, shape: [32, 2], bytes: new Uint8Array(68) },
  ]);
  const edit = new HeaderEdit("glmocr", file);
  assert.throws(
    () => concatTensors(edit, "m", [edit.tensor("a")!, edit.tensor("b")!], "extend"),
    /glmocr model cannot be translated: tensor 'b' is Q8_0 \[32,2\], unlike 'a' \(F32 \[32,2\]\)/,
  );
});
