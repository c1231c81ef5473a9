/**
 * Tensor data encoders for the writer: F32, F16 and Q8_0 bytes from a Float32Array, plus the decoders that
 * invert them (for tests and inspection). Layouts follow ggml: ggml-common.h `block_q8_0`, and
 * `quantize_row_q8_0_ref` in ggml-quants.c for how a block is quantized (written here from that definition).
 * @module
 */

/** Elements per Q8_0 block. */
export const QK8_0 = 32;
/** Bytes per Q8_0 block: an f16 scale, then 32 int8 quants. */
export const Q8_0_BLOCK_BYTES = 2 + QK8_0;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The IEEE half-precision bits of `value`, rounded to nearest even as ggml's `GGML_FP32_TO_FP16` does:
 * overflow gives ±inf, values under half the smallest subnormal give ±0, NaN gives 0x7e00 with the sign.
 */
export function f32ToF16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | (mantissa ? 0x7e00 : 0x7c00);
  const e = exponent - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: value = m * 2^-24 with m = (1.mantissa) >> (14 - e), rounded to nearest even.
    const shift = 14 - e;
    if (shift > 24) return sign;
    const full = mantissa | 0x800000;
    let m = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  let h = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // a carry into the exponent is right, up to inf
  return sign | h;
}

/** The number that half-precision `bits` encode. */
export function f16BitsToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** F32 tensor data: the values as little-endian float32 bytes. */
export function encodeF32(values: Float32Array): Uint8Array {
  if (littleEndian) {
    return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  }
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

/** F16 tensor data: each value rounded to half precision, little-endian. */
export function encodeF16(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0, j = 0; i < values.length; i++, j += 2) {
    const h = f32ToF16Bits(values[i]);
    out[j] = h & 0xff;
    out[j + 1] = h >>> 8;
  }
  return out;
}

/** The values of F16 tensor data. */
export function decodeF16(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length >>> 1);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) out[i] = f16BitsToF32(bytes[j] | (bytes[j + 1] << 8));
  return out;
}

/**
 * Q8_0 tensor data: per block of 32 values, the scale d = max|x| / 127 (stored as f16) and the quants
 * round(x / d) as int8, rounding half away from zero like C's roundf. The quants use the float32 d before it is
 * rounded to f16, as ggml does, so the bytes match ggml's reference quantizer.
 * Throws a RangeError unless the length is a multiple of 32.
 */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % QK8_0 !== 0) {
    throw new RangeError(`Q8_0 needs a multiple of ${QK8_0} values, got ${values.length}`);
  }
  const blocks = values.length / QK8_0;
  const out = new Uint8Array(blocks * Q8_0_BLOCK_BYTES);
  const quants = new Int8Array(out.buffer);
  for (let b = 0; b < blocks; b++) {
    const start = b * QK8_0;
    let amax = 0;
    for (let j = 0; j < QK8_0; j++) {
      const v = Math.abs(values[start + j]);
      if (v > amax) amax = v;
    }
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    const at = b * Q8_0_BLOCK_BYTES;
    const h = f32ToF16Bits(d);
    out[at] = h & 0xff;
    out[at + 1] = h >>> 8;
    for (let j = 0; j < QK8_0; j++) {
      const x = Math.fround(values[start + j] * id);
      quants[at + 2 + j] = x < 0 ? -Math.round(-x) : Math.round(x);
    }
  }
  return out;
}

/** The values of Q8_0 tensor data (scale × quant per element). */
export function dequantizeQ8_0(bytes: Uint8Array): Float32Array {
  if (bytes.length % Q8_0_BLOCK_BYTES !== 0) {
    throw new RangeError(`Q8_0 data must be whole ${Q8_0_BLOCK_BYTES}-byte blocks`);
  }
  const blocks = bytes.length / Q8_0_BLOCK_BYTES;
  const out = new Float32Array(blocks * QK8_0);
  const quants = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let b = 0; b < blocks; b++) {
    const at = b * Q8_0_BLOCK_BYTES;
    const d = f16BitsToF32(bytes[at] | (bytes[at + 1] << 8));
    for (let j = 0; j < QK8_0; j++) out[b * QK8_0 + j] = d * quants[at + 2 + j];
  }
  return out;
}
