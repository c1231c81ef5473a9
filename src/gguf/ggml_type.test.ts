import { test } from "node:test";
import assert from "node:assert/strict";
import { FILE_TYPE, fileTypeName, GGML_TYPE, ggmlTypeName, parameterCount, parameterSize, tensorBytes } from "./mod.ts";

test("ggmlTypeName() names ggml types, and unknown ids as such", () => {
  assert.equal(ggmlTypeName(GGML_TYPE.F32), "F32");
  assert.equal(ggmlTypeName(GGML_TYPE.Q8_0), "Q8_0");
  assert.equal(ggmlTypeName(GGML_TYPE.Q4_K), "Q4_K");
  assert.equal(ggmlTypeName(GGML_TYPE.BF16), "BF16");
  assert.equal(ggmlTypeName(23), "IQ4_XS");
  assert.equal(ggmlTypeName(4), "unknown(4)");
});

test("tensorBytes() follows ggml's block sizes", () => {
  assert.equal(tensorBytes(GGML_TYPE.F32, [64, 10]), 2560);
  assert.equal(tensorBytes(GGML_TYPE.F16, [64]), 128);
  assert.equal(tensorBytes(GGML_TYPE.Q8_0, [768, 2048]), (768 / 32) * 34 * 2048);
  assert.equal(tensorBytes(GGML_TYPE.Q4_0, [4096, 4096]), (4096 / 32) * 18 * 4096);
  assert.equal(tensorBytes(GGML_TYPE.Q4_K, [4096, 11008]), (4096 / 256) * 144 * 11008);
  assert.equal(tensorBytes(GGML_TYPE.Q6_K, [256]), 210);
  assert.throws(() => tensorBytes(GGML_TYPE.Q8_0, [48]), /multiple of the Q8_0 block size 32/);
  assert.throws(() => tensorBytes(99, [32]), /Unknown ggml type 99/);
  assert.throws(() => tensorBytes(GGML_TYPE.F32, [2 ** 40, 2 ** 20]), /too large/);
});

test("fileTypeName() gives Ollama's quantization names", () => {
  assert.equal(fileTypeName(FILE_TYPE.F32), "F32");
  assert.equal(fileTypeName(FILE_TYPE.F16), "F16");
  assert.equal(fileTypeName(FILE_TYPE.Q8_0), "Q8_0");
  assert.equal(fileTypeName(FILE_TYPE.Q4_K_M), "Q4_K_M");
  assert.equal(fileTypeName(2), "Q4_0");
  assert.equal(fileTypeName(18), "Q6_K");
  assert.equal(fileTypeName(32), "BF16");
  assert.equal(fileTypeName(15n), "Q4_K_M");
  assert.equal(fileTypeName(1024), "unknown");
  assert.equal(fileTypeName(undefined), "unknown");
});

test("parameterSize() formats counts as Ollama's HumanNumber does", () => {
  assert.equal(parameterSize(8_030_261_248), "8.0B");
  assert.equal(parameterSize(3_212_749_888), "3.2B");
  assert.equal(parameterSize(7_000_000_000), "7B");
  assert.equal(parameterSize(1_250_000_000), "1.2B"); // Go rounds an exact tie to even
  assert.equal(parameterSize(751_632_384), "751.63M");
  assert.equal(parameterSize(109_529_856), "109.53M");
  assert.equal(parameterSize(22_700_000), "22.70M");
  assert.equal(parameterSize(500_000_000), "500M");
  assert.equal(parameterSize(1_125_000), "1.12M");
  assert.equal(parameterSize(12_500), "12K");
  assert.equal(parameterSize(13_500), "14K");
  assert.equal(parameterSize(999), "999");
  assert.equal(parameterSize(2n ** 40n), "1099.5B"); // no T: Ollama stops at billions
});

test("parameterCount() sums the elements of every tensor", () => {
  const file = { tensors: [{ shape: [64, 100] }, { shape: [64] }, { shape: [2, 3, 4] }] };
  assert.equal(parameterCount(file), 6400 + 64 + 24);
  assert.equal(parameterSize(file), "6K");
});
