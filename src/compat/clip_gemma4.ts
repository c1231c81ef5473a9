/**
 * Gemma 4's vision tower inside Ollama's published model file (Ollama: handle_gemma4_clip). The published converter
 * already wrote llama.cpp's tensor names; what differs: the keys (`gemma4.vision.*`, projector type `gemma4v` under
 * `clip.vision.projector_type`), the F16 patch and position embeddings (llama.cpp's converter forces F32), and the
 * clipping bounds of Gemma 4's clippable linears, packed by the published converter into one `v.clamp_data` tensor
 * where libmtmd reads one scalar tensor per bound (`<linear>.input_min` …; Ollama drops them, so libmtmd clips
 * nothing; here they become the scalars again, each a 4-byte range of the packed tensor).
 * @module
 */
import { GGML_TYPE } from "../gguf/mod.ts";
import { archOf, hasKey, hasTensorPrefix } from "./family.ts";
import { type ClipFamily, copyRequired, promoteToF32, setF32ArrayIfMissing } from "./clip_family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** The linears of a vision block in the published packing's order, and the bounds of each in theirs. */
const LINEARS = ["attn_q", "attn_k", "attn_v", "attn_out", "ffn_gate", "ffn_up", "ffn_down"];
const BOUNDS = ["input_min", "input_max", "output_min", "output_max"];

/** gemma4 monolithic (vision side; the audio tower is not translated). */
export const clipGemma4: ClipFamily = {
  name: "gemma4",
  // the vision width too: the text fixtures' stand-in towers carry only the block count
  detect: (file) =>
    archOf(file) === "gemma4" && hasKey(file, "gemma4.vision.block_count") &&
    hasKey(file, "gemma4.vision.embedding_length") && hasTensorPrefix(file, "v."),
  translate(edit) {
    for (const key of ["block_count", "embedding_length", "feed_forward_length", "patch_size"]) {
      copyRequired(edit, `gemma4.vision.${key}`, `clip.vision.${key}`);
    }
    copyRequired(edit, "gemma4.vision.attention.head_count", "clip.vision.attention.head_count");
    edit.copy("gemma4.vision.attention.layer_norm_epsilon", "clip.vision.attention.layer_norm_epsilon");
    edit.setIfMissing("clip.vision.attention.layer_norm_epsilon", "float32", 1e-6);
    edit.copy("gemma4.vision.projector.scale_factor", "clip.vision.projector.scale_factor");
    // libmtmd sizes images itself for gemma4v; the key must be there
    edit.setIfMissing("clip.vision.image_size", "uint32", 224);
    copyRequired(edit, "gemma4.embedding_length", "clip.vision.projection_dim");
    setF32ArrayIfMissing(edit, "clip.vision.image_mean", [0, 0, 0]);
    setF32ArrayIfMissing(edit, "clip.vision.image_std", [1, 1, 1]);
    edit.setIfMissing("clip.has_vision_encoder", "bool", true);
    edit.set("clip.vision.projector_type", "string", "gemma4v");
    edit.set("general.architecture", "string", "clip");
    edit.requireTensor("v.patch_embd.weight", 4);
    edit.requireTensor("v.position_embd.weight", 3);
    edit.requireTensor("mm.input_projection.weight", 2);
    unpackClamps(edit);
    promoteToF32(edit, "v.patch_embd.weight");
    promoteToF32(edit, "v.position_embd.weight");
  },
};

/** `v.clamp_data` (blocks × 7 linears × 4 bounds, then the projector's 4) → one F32 scalar tensor per bound. */
function unpackClamps(edit: HeaderEdit): void {
  const packed = edit.tensor("v.clamp_data");
  if (!packed) return;
  edit.header.tensors = edit.header.tensors.filter((t) => t !== packed);
  const blocks = edit.number("clip.vision.block_count") ?? 0;
  const count = (blocks * LINEARS.length + 1) * BOUNDS.length;
  if (packed.type !== GGML_TYPE.F32 || packed.shape.length !== 1 || packed.shape[0] !== count) {
    edit.fail(`tensor 'v.clamp_data' must be F32 [${count}] for ${blocks} vision blocks, got [${packed.shape}]`);
  }
  const linears = [...Array(blocks).keys()].flatMap((b) => LINEARS.map((l) => `v.blk.${b}.${l}`));
  linears.push("mm.input_projection");
  for (const [i, linear] of linears.entries()) {
    for (const [j, bound] of BOUNDS.entries()) {
      const name = `${linear}.${bound}`;
      if (edit.tensor(name)) edit.fail(`tensor '${name}' exists beside 'v.clamp_data'`);
      const offset = packed.sourceOffset + (i * BOUNDS.length + j) * 4;
      edit.header.tensors.push({ name, type: GGML_TYPE.F32, shape: [1], sourceOffset: offset, size: 4 });
    }
  }
}
