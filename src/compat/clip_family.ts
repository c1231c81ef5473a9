/**
 * What a family of published-Ollama vision parts provides: how to recognise a file whose projector libmtmd cannot
 * read as it is (a monolithic model with its vision tower inside, a projector without a type), and how to turn the
 * vision part into llama.cpp's mmproj layout (Ollama: translate_clip_metadata and the handle_*_clip functions).
 * @module
 */
import { GGML_TYPE, type GgufFile } from "../gguf/mod.ts";
import { CompatError } from "./compat_error.ts";
import type { CompatTensor, HeaderEdit, SourceRead } from "./header_edit.ts";
import { f32Bytes, toF32 } from "./tensor_data.ts";

/** One family of projectors to translate; errors name `name`. */
export interface ClipFamily {
  readonly name: string;
  /**
   * True when the header carries this family's vision part in Ollama's layout (a llama.cpp mmproj never does): its
   * `<arch>.vision.block_count` (what also makes /api/show say `vision`) and `v.` tensors.
   */
  detect(file: GgufFile): boolean;
  /**
   * Edits the header (already cut to the `v.`/`mm.` tensors) into an mmproj: `clip.*` keys, llama.cpp's tensor
   * names and types. Keys other than `general.*` and `clip.*` are dropped afterwards. Throws CompatError.
   */
  translate(edit: HeaderEdit): void;
}

/** The F32 `[0.5, 0.5, 0.5]` image mean and std most of Ollama's vision converters leave to the loader. */
export const HALF = [0.5, 0.5, 0.5];

/** Copies a key to its clip name; a missing key is an error (the clip loader needs it). */
export function copyRequired(edit: HeaderEdit, from: string, to: string): void {
  if (!edit.has(from)) edit.fail(`${from} is missing`);
  edit.copy(from, to);
}

/** Sets an F32 array key unless present. */
export function setF32ArrayIfMissing(edit: HeaderEdit, key: string, values: number[]): void {
  edit.setIfMissing(key, "array<float32>", values);
}

/** The common tail of every vision family: encoder flag, activation, projector type and the clip architecture. */
export function markProjector(edit: HeaderEdit, type: string, activation: "gelu" | "silu"): void {
  edit.setIfMissing("clip.has_vision_encoder", "bool", true);
  edit.setIfMissing(activation === "gelu" ? "clip.use_gelu" : "clip.use_silu", "bool", true);
  edit.set("clip.projector_type", "string", type);
  edit.set("general.architecture", "string", "clip");
}

/** Makes a tensor F32 (what llama.cpp's converters force for patch and position embeddings); F32 stays as it is. */
export function promoteToF32(edit: HeaderEdit, name: string): void {
  const t = edit.tensor(name);
  if (!t || t.type === GGML_TYPE.F32) return;
  const { type, sourceOffset, size } = t;
  produceF32(edit, t, (read) => toF32(type, read(sourceOffset, size)));
}

/** Gives `t` the F32 values `make` returns (the tensor's type and size follow; a wrong count is an error). */
export function produceF32(edit: HeaderEdit, t: CompatTensor, make: (read: SourceRead) => Float32Array): void {
  const count = t.shape.reduce((a, b) => a * b, 1);
  const arch = edit.arch;
  t.type = GGML_TYPE.F32;
  t.size = count * 4;
  t.produce = (read) => {
    const values = make(read);
    if (values.length !== count) {
      throw new CompatError(arch, `tensor '${t.name}' made ${values.length} values, expected ${count}`);
    }
    return f32Bytes(values);
  };
}
