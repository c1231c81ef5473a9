/**
 * GGUF files: a bounds-checked reader of the header (metadata and tensor infos; tensor data stays on disk), an
 * atomic writer, tensor data encoders, and the names and sizes of ggml types. Imports no other tollama folder.
 *
 * @example Read a model's metadata
 * ```ts
 * import { fileTypeName, parameterSize, readGguf } from "./src/gguf/mod.ts";
 * const gguf = await readGguf("model.gguf", { maxArrayElements: 1024 });
 * console.log(gguf.metadata["general.architecture"], parameterSize(gguf), fileTypeName(gguf.metadata["general.file_type"] as number));
 * ```
 * @module
 */

/** Thrown for a malformed, truncated or unsupported file; `offset` is where in the file. */
export { GgufError } from "./gguf_error.ts";
/** Read a GGUF header: `readGguf(path, { maxArrayElements })`. */
export { readGguf } from "./read.ts";
export type { GgufFile, GgufTensorInfo, ReadGgufOptions } from "./read.ts";
/** What libllama would assert on (block counts, experts, zero dims, repeated tokens ...), checked in TypeScript. */
export { ggufProblems, GgufValidationError, validateGguf, validateGgufFile } from "./validate.ts";
/** Write a GGUF v3 file atomically: `writeGguf(path, { metadata, tensors })`. */
export { writeGguf } from "./write.ts";
export type { GgufWriteResult, GgufWriteTensor, WriteGgufOptions } from "./write.ts";
/** The header alone (no tensor data), for `gguf_init_from_buffer`. */
export { encodeGgufHeader } from "./write.ts";
export type { GgufHeaderBytes } from "./write.ts";
/** Metadata value types. */
export { GGUF_TYPE_ID } from "./value_type.ts";
export type { GgufScalarType, GgufType, GgufTypedValue, GgufValue } from "./value_type.ts";
/** ggml tensor types: ids, names, block sizes, and the byte size of a tensor. */
export { GGML_TYPE, GGML_TYPES, ggmlTypeName, tensorBytes } from "./ggml_type.ts";
export type { GgmlTypeInfo } from "./ggml_type.ts";
/** `general.file_type` names as Ollama shows them ("Q4_K_M"). */
export { FILE_TYPE, fileTypeName } from "./file_type.ts";
/** Parameter count of a model and Ollama's human form of it ("8.0B"). */
export { parameterCount, parameterSize } from "./parameters.ts";
/** Tensor data encoders (F32, F16, Q8_0) and their inverses. */
export {
  decodeF16,
  dequantizeQ8_0,
  encodeF16,
  encodeF32,
  f16BitsToF32,
  f32ToF16Bits,
  Q8_0_BLOCK_BYTES,
  QK8_0,
  quantizeQ8_0,
} from "./encode.ts";
