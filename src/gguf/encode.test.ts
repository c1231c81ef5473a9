import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeF16,
  dequantizeQ8_0,
  encodeF16,
  encodeF32,
  f16BitsToF32,
  f32ToF16Bits,
  Q8_0_BLOCK_BYTES,
  quantizeQ8_0,
} from "./mod.ts";

test("f32ToF16Bits() rounds to nearest even like ggml, with inf, NaN, subnormals and signed zero", () => {
  const cases: Array<[number, number]> = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest half
    [65519.99, 0x7bff],
    [65520, 0x7c00], // ties to even: rounds up to inf
    [1e6, 0x7c00],
    [-Infinity, 0xfc00],
    [NaN, 0x7e00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // tie between 0 and 2^-24: even is 0
    [3 * 2 ** -25, 0x0002], // tie between 1 and 2 (x 2^-24): even is 2
    [1 + 2 ** -11, 0x3c00], // tie: stays on the even mantissa
    [1 + 3 * 2 ** -11, 0x3c02],
    [1e-10, 0x0000],
  ];
  for (const [value, bits] of cases) assert.equal(f32ToF16Bits(value), bits, `${value}`);
});

test("f32ToF16Bits() inverts f16BitsToF32() for every non-NaN half", () => {
  for (let h = 0; h < 0x10000; h++) {
    const value = f16BitsToF32(h);
    if (Number.isNaN(value)) continue;
    assert.equal(f32ToF16Bits(value), h, `0x${h.toString(16)}`);
  }
});

test("encodeF16() and decodeF16() are little-endian and inverse on representable values", () => {
  const values = new Float32Array([1, -2, 0.25, 65504]);
  const bytes = encodeF16(values);
  assert.deepEqual([...bytes], [0x00, 0x3c, 0x00, 0xc0, 0x00, 0x34, 0xff, 0x7b]);
  assert.deepEqual(decodeF16(bytes), values);
});

test("encodeF32() gives the little-endian float32 bytes of a view, not of its whole buffer", () => {
  const all = new Float32Array([9, 1.5, -3, 9]);
  const bytes = encodeF32(all.subarray(1, 3));
  assert.equal(bytes.length, 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(view.getFloat32(0, true), 1.5);
  assert.equal(view.getFloat32(4, true), -3);
});

test("quantizeQ8_0() stores an f16 scale max|x|/127 and rounded int8 quants per block of 32", () => {
  const values = new Float32Array(64);
  for (let i = 0; i < 32; i++) values[i] = i - 16; // block 0: amax 16
  // block 1 stays all zero
  const bytes = quantizeQ8_0(values);
  assert.equal(bytes.length, 2 * Q8_0_BLOCK_BYTES);
  const d = f16BitsToF32(bytes[0] | (bytes[1] << 8));
  assert.equal(d, f16BitsToF32(f32ToF16Bits(16 / 127)));
  const quants = new Int8Array(bytes.buffer, 2, 32);
  assert.equal(quants[0], -127); // -16 is the block's extreme
  assert.equal(quants[16], 0);
  assert.equal(quants[24], Math.round(8 * 127 / 16)); // 63.5 rounds away from zero: 64
  assert.equal(quants[8], -64); // -63.5 too
  assert.deepEqual([...bytes.subarray(Q8_0_BLOCK_BYTES)], new Array(Q8_0_BLOCK_BYTES).fill(0));
  const back = dequantizeQ8_0(bytes);
  for (let i = 0; i < 64; i++) assert.ok(Math.abs(back[i] - values[i]) <= d / 2 + 1e-3, `${i}`);
  assert.throws(() => quantizeQ8_0(new Float32Array(33)), RangeError);
});
