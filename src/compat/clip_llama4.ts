/**
 * Llama 4's vision tower inside Ollama's published model file (Ollama: handle_llama4_clip): keys under
 * `llama4.vision.*`, the pixel-shuffle ratio where llama.cpp keeps a scale factor, Hugging Face leaf names, and the
 * projector split between `mm.linear_1` and the vision adapter's MLP.
 * @module
 */
import { archOf, hasKey, hasTensorPrefix } from "./family.ts";
import { type ClipFamily, copyRequired, HALF, markProjector, setF32ArrayIfMissing } from "./clip_family.ts";

/** Published names → llama.cpp's, in this order (the adapter's MLP before the blocks' `.mlp.fc*`). */
const RENAMES: ReadonlyArray<readonly [string, string]> = [
  ["v.vision_adapter.mlp.fc1", "mm.model.mlp.1"],
  ["v.vision_adapter.mlp.fc2", "mm.model.mlp.2"],
  ["mm.linear_1", "mm.model.fc"],
  ["v.class_embedding", "v.class_embd"],
  ["v.layernorm_post", "v.post_ln"],
  ["v.layernorm_pre", "v.pre_ln"],
  ["v.patch_embedding", "v.patch_embd"],
  [".attn_output", ".attn_out"],
  [".attn_norm", ".ln1"],
  [".ffn_norm", ".ln2"],
  [".mlp.fc1", ".ffn_up"],
  [".mlp.fc2", ".ffn_down"],
];

/** llama4 monolithic (vision side). */
export const clipLlama4: ClipFamily = {
  name: "llama4",
  detect: (file) =>
    archOf(file) === "llama4" && hasKey(file, "llama4.vision.block_count") && hasTensorPrefix(file, "v."),
  translate(edit) {
    for (
      const key of [
        "block_count",
        "embedding_length",
        "feed_forward_length",
        "attention.head_count",
        "image_size",
        "patch_size",
      ]
    ) {
      copyRequired(edit, `llama4.vision.${key}`, `clip.vision.${key}`);
    }
    edit.copy("llama4.vision.layer_norm_epsilon", "clip.vision.attention.layer_norm_epsilon");
    copyRequired(edit, "llama4.embedding_length", "clip.vision.projection_dim");
    // a pixel-shuffle ratio of 1/s merges s×s patches
    const ratio = edit.number("llama4.vision.pixel_shuffle_ratio") ?? 0;
    const scale = ratio > 0 ? Math.round(1 / ratio) || 2 : 2;
    edit.setIfMissing("clip.vision.projector.scale_factor", "uint32", scale);
    setF32ArrayIfMissing(edit, "clip.vision.image_mean", HALF);
    setF32ArrayIfMissing(edit, "clip.vision.image_std", HALF);
    markProjector(edit, "llama4", "gelu");
    edit.set("clip.vision.projector_type", "string", "llama4");
    edit.renameTensor("v.positional_embedding_vlm", "v.position_embd.weight");
    for (const [from, to] of RENAMES) edit.renameTensorsContaining(from, to);
    for (const name of ["v.patch_embd.weight", "v.class_embd", "v.position_embd.weight", "mm.model.fc.weight"]) {
      edit.requireTensor(name);
    }
    edit.requireTensor("mm.model.mlp.1.weight", 2);
    edit.requireTensor("mm.model.mlp.2.weight", 2);
  },
};
