/**
 * Byte-level helpers of the data-transforming translations: a tensor's values as F32 (from F32, F16, BF16 or Q8_0),
 * and whole rows moved (a row of a ggml weight is its ne0 elements; quantized blocks never straddle rows).
 * @module
 */
import { decodeF16, dequantizeQ8_0, GGML_TYPE, ggmlTypeName } from "../gguf/mod.ts";

/**
 * The tensor's values as F32 (a copy), for the types published projectors and norms come in; any other type is a
 * RangeError whose message `refusal` words from the type's name.
 */
export function toF32(
  type: number,
  bytes: Uint8Array,
  refusal: (typeName: string) => string = (name) => `cannot convert a ${name} tensor to F32`,
): Float32Array {
  switch (type) {
    case GGML_TYPE.F32: {
      const copy = bytes.slice(0, bytes.byteLength & ~3);
      return new Float32Array(copy.buffer);
    }
    case GGML_TYPE.F16:
      return decodeF16(bytes);
    case GGML_TYPE.BF16: {
      // bf16 is the high half of an f32
      const bits = new Uint32Array(bytes.length >>> 1);
      for (let i = 0; i < bits.length; i++) bits[i] = (bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16;
      return new Float32Array(bits.buffer);
    }
    case GGML_TYPE.Q8_0:
      return dequantizeQ8_0(bytes);
    default:
      throw new RangeError(refusal(ggmlTypeName(type)));
  }
}

/** Little-endian bytes of F32 values. */
export function f32Bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
}

/** `rows` rows of `bytes` reordered: row `i` of the result is row `from(i)` of the source. */
export function permuteRows(bytes: Uint8Array, rows: number, from: (i: number) => number): Uint8Array {
  if (rows <= 0 || bytes.byteLength % rows !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes are not ${rows} rows`);
  }
  const rowBytes = bytes.byteLength / rows;
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < rows; i++) {
    const j = from(i);
    out.set(bytes.subarray(j * rowBytes, (j + 1) * rowBytes), i * rowBytes);
  }
  return out;
}
