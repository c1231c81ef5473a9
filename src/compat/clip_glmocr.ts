/**
 * GLM-OCR's vision tower inside Ollama's published model file (Ollama: handle_glmocr_clip): a GLM4V tower whose
 * published names are already llama.cpp's but for the Conv3D patch embedding, published as its two temporal slices
 * `v.patch_embd_0` / `v.patch_embd_1` (llama.cpp: `v.patch_embd.weight` / `.weight.1`, F32); keys under
 * `glmocr.vision.*`, the projector type `glm4v`. Images need M-RoPE positions (GLM4V's text side uses them).
 * @module
 */
import { archOf, hasKey, hasTensorPrefix } from "./family.ts";
import { type ClipFamily, copyRequired, markProjector, promoteToF32 } from "./clip_family.ts";

/** glmocr monolithic (vision side). */
export const clipGlmocr: ClipFamily = {
  name: "glmocr",
  detect: (file) =>
    archOf(file) === "glmocr" && hasKey(file, "glmocr.vision.block_count") && hasTensorPrefix(file, "v."),
  translate(edit) {
    const keys: Array<[string, string]> = [
      ["block_count", "block_count"],
      ["embedding_length", "embedding_length"],
      ["intermediate_size", "feed_forward_length"],
      ["attention.head_count", "attention.head_count"],
      ["image_size", "image_size"],
      ["patch_size", "patch_size"],
      ["out_hidden_size", "projection_dim"],
    ];
    for (const [from, to] of keys) copyRequired(edit, `glmocr.vision.${from}`, `clip.vision.${to}`);
    edit.copy("glmocr.vision.spatial_merge_size", "clip.vision.spatial_merge_size");
    edit.copy("glmocr.vision.attention.layer_norm_rms_epsilon", "clip.vision.attention.layer_norm_epsilon");
    edit.copy("glmocr.vision.image_mean", "clip.vision.image_mean");
    edit.copy("glmocr.vision.image_std", "clip.vision.image_std");
    markProjector(edit, "glm4v", "silu");
    edit.renameTensor("v.patch_embd_0.weight", "v.patch_embd.weight");
    edit.renameTensor("v.patch_embd_1.weight", "v.patch_embd.weight.1");
    edit.requireTensor("v.patch_embd.weight", 4);
    edit.requireTensor("v.patch_embd.weight.1", 4);
    edit.requireTensor("v.patch_embd.bias", 1);
    for (const name of ["mm.model.fc.weight", "mm.up.weight", "mm.gate.weight", "mm.down.weight", "mm.patch_merger.weight"]) {
      edit.requireTensor(name, 2);
    }
    edit.requireTensor("mm.post_norm.weight", 1);
    edit.requireTensor("mm.patch_merger.bias", 1);
    promoteToF32(edit, "v.patch_embd.weight");
    promoteToF32(edit, "v.patch_embd.weight.1");
  },
};
