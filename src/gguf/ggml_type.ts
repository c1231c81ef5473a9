/**
 * ggml tensor types: the id stored in a GGUF tensor info, its name, and how many bytes a block of elements takes.
 * Ids, block sizes and block bytes follow ggml's `enum ggml_type` and `type_traits` (ggml/include/ggml.h,
 * ggml/src/ggml.c, ggml-common.h) at the llama.cpp version tollama links against.
 * @module
 */

/** The ggml type ids tollama names in code; any id in {@link GGML_TYPES} may appear in a file. */
export const GGML_TYPE = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q8_1: 9,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  Q8_K: 15,
  IQ4_NL: 20,
  IQ4_XS: 23,
  I8: 24,
  I16: 25,
  I32: 26,
  I64: 27,
  F64: 28,
  BF16: 30,
  MXFP4: 39,
} as const;

/** One ggml type: `blockSize` elements are stored in `blockBytes` bytes. */
export interface GgmlTypeInfo {
  readonly name: string;
  readonly blockSize: number;
  readonly blockBytes: number;
}

const QK_K = 256;

// [id, name, elements per block, bytes per block]. Ids 4, 5 and 31-33, 36-38 were removed from ggml and are not listed.
const TABLE: ReadonlyArray<readonly [number, string, number, number]> = [
  [0, "F32", 1, 4],
  [1, "F16", 1, 2],
  [2, "Q4_0", 32, 2 + 16],
  [3, "Q4_1", 32, 2 + 2 + 16],
  [6, "Q5_0", 32, 2 + 4 + 16],
  [7, "Q5_1", 32, 2 + 2 + 4 + 16],
  [8, "Q8_0", 32, 2 + 32],
  [9, "Q8_1", 32, 2 + 2 + 32],
  [10, "Q2_K", QK_K, 2 + 2 + QK_K / 16 + QK_K / 4],
  [11, "Q3_K", QK_K, 2 + QK_K / 4 + QK_K / 8 + 12],
  [12, "Q4_K", QK_K, 2 + 2 + QK_K / 2 + 12],
  [13, "Q5_K", QK_K, 2 + 2 + QK_K / 2 + QK_K / 8 + 12],
  [14, "Q6_K", QK_K, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16],
  [15, "Q8_K", QK_K, 4 + QK_K + (QK_K / 16) * 2],
  [16, "IQ2_XXS", QK_K, 2 + QK_K / 4],
  [17, "IQ2_XS", QK_K, 2 + QK_K / 4 + QK_K / 32],
  [18, "IQ3_XXS", QK_K, 2 + QK_K / 4 + QK_K / 8],
  [19, "IQ1_S", QK_K, 2 + QK_K / 8 + QK_K / 16],
  [20, "IQ4_NL", 32, 2 + 16],
  [21, "IQ3_S", QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4],
  [22, "IQ2_S", QK_K, 2 + QK_K / 4 + QK_K / 16],
  [23, "IQ4_XS", QK_K, 2 + 2 + QK_K / 2 + QK_K / 64],
  [24, "I8", 1, 1],
  [25, "I16", 1, 2],
  [26, "I32", 1, 4],
  [27, "I64", 1, 8],
  [28, "F64", 1, 8],
  [29, "IQ1_M", QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32],
  [30, "BF16", 1, 2],
  [34, "TQ1_0", QK_K, 2 + 4 * 13],
  [35, "TQ2_0", QK_K, 2 + 64],
  [39, "MXFP4", 32, 1 + 16],
  [40, "NVFP4", 64, 4 + 32],
  [41, "Q1_0", 128, 2 + 16],
  [42, "Q2_0", 64, 2 + 16],
];

/** Every ggml type a GGUF tensor may have, by id. */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map(
  TABLE.map(([id, name, blockSize, blockBytes]) => [id, Object.freeze({ name, blockSize, blockBytes })]),
);

/** The name of a ggml type id as ggml prints it upper-cased ("F16", "Q8_0", "Q4_K"); `unknown(<id>)` for an id ggml lacks. */
export function ggmlTypeName(id: number): string {
  return GGML_TYPES.get(id)?.name ?? `unknown(${id})`;
}

/**
 * Bytes that a tensor of `type` and `shape` (ne0 first) occupies in a GGUF file.
 * Throws a RangeError for an unknown type, a first dimension that is not a whole number of blocks, or a size past 2^53.
 */
export function tensorBytes(type: number, shape: readonly number[]): number {
  const info = GGML_TYPES.get(type);
  if (!info) throw new RangeError(`Unknown ggml type ${type}`);
  let elements = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) throw new RangeError(`Invalid tensor dimension ${dim}`);
    elements *= dim;
  }
  if (shape.length > 0 && shape[0] % info.blockSize !== 0) {
    throw new RangeError(
      `First dimension ${shape[0]} is not a multiple of the ${info.name} block size ${info.blockSize}`,
    );
  }
  const bytes = (elements / info.blockSize) * info.blockBytes;
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`Tensor of ${elements} elements is too large`);
  return bytes;
}
