/**
 * Gemma 3's vision tower inside Ollama's published model file (Ollama: handle_gemma3_clip): SigLIP keys under
 * `gemma3.vision.*`, Hugging Face leaf names, F16 patch and position embeddings.
 * @module
 */
import { archOf, hasKey, hasTensorPrefix } from "./family.ts";
import {
  type ClipFamily,
  copyRequired,
  HALF,
  markProjector,
  promoteToF32,
  setF32ArrayIfMissing,
} from "./clip_family.ts";

/** Published names → llama.cpp's (substring renames, in this order). */
const RENAMES: ReadonlyArray<readonly [string, string]> = [
  ["v.patch_embedding", "v.patch_embd"],
  ["v.position_embedding", "v.position_embd"],
  ["v.post_layernorm", "v.post_ln"],
  [".layer_norm1", ".ln1"],
  [".layer_norm2", ".ln2"],
  [".attn_output", ".attn_out"],
  // as llama.cpp's converter names them (Ollama's compat has them the other way round, which clip.cpp's
  // shape check swaps back for gemma3 projectors)
  [".mlp.fc1", ".ffn_up"],
  [".mlp.fc2", ".ffn_down"],
  ["mm.mm_input_projection", "mm.input_projection"],
  ["mm.mm_soft_emb_norm", "mm.soft_emb_norm"],
];

/** gemma3 monolithic (vision side). */
export const clipGemma3: ClipFamily = {
  name: "gemma3",
  detect: (file) =>
    archOf(file) === "gemma3" && hasKey(file, "gemma3.vision.block_count") && hasTensorPrefix(file, "v."),
  translate(edit) {
    for (const key of ["block_count", "embedding_length", "feed_forward_length", "image_size", "patch_size"]) {
      copyRequired(edit, `gemma3.vision.${key}`, `clip.vision.${key}`);
    }
    copyRequired(edit, "gemma3.vision.attention.head_count", "clip.vision.attention.head_count");
    edit.copy("gemma3.vision.attention.layer_norm_epsilon", "clip.vision.attention.layer_norm_epsilon");
    edit.setIfMissing("clip.vision.attention.layer_norm_epsilon", "float32", 1e-6);
    // the projector's output is the language model's input
    copyRequired(edit, "gemma3.embedding_length", "clip.vision.projection_dim");
    setF32ArrayIfMissing(edit, "clip.vision.image_mean", HALF);
    setF32ArrayIfMissing(edit, "clip.vision.image_std", HALF);
    markProjector(edit, "gemma3", "gelu");
    for (const [from, to] of RENAMES) edit.renameTensorsContaining(from, to);
    edit.requireTensor("v.patch_embd.weight", 4);
    edit.requireTensor("mm.input_projection.weight", 2);
    edit.requireTensor("mm.soft_emb_norm.weight", 1);
    promoteToF32(edit, "v.patch_embd.weight");
    promoteToF32(edit, "v.position_embd.weight");
  },
};
