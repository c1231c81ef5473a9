/**
 * Byte-level helpers of the data-transforming translations: a tensor's values as F32 (from F32, F16 or Q8_0), and
 * whole rows moved (a row of a ggml weight is its ne0 elements; quantized blocks never straddle rows).
 * @module
 */
import { decodeF16, dequantizeQ8_0, GGML_TYPE, ggmlTypeName } from "../gguf/mod.ts";

/** The tensor's values as F32, for the types a published projector carries; throws a RangeError for any other. */
export function toF32(type: number, bytes: Uint8Array): Float32Array {
  if (type === GGML_TYPE.F32) {
    const copy = bytes.slice();
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  if (type === GGML_TYPE.F16) return decodeF16(bytes);
  if (type === GGML_TYPE.Q8_0) return dequantizeQ8_0(bytes);
  throw new RangeError(`cannot convert a ${ggmlTypeName(type)} tensor to F32`);
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
