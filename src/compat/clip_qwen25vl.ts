/**
 * Qwen2.5-VL's vision tower inside Ollama's published model file (Ollama: handle_qwen25vl_clip): keys under
 * `qwen25vl.vision.*`, the window-attention pattern as full-attention block indexes, the merger under its Hugging
 * Face names, and the Conv3D patch embedding already split per frame (`patch_embd_0`/`_1`, F16).
 * @module
 */
import { archOf, hasKey, hasTensorPrefix } from "./family.ts";
import { type ClipFamily, copyRequired, markProjector, promoteToF32, setF32ArrayIfMissing } from "./clip_family.ts";

const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.26130258, 0.27577711];

/** qwen25vl monolithic (vision side). */
export const clipQwen25vl: ClipFamily = {
  name: "qwen25vl",
  detect: (file) =>
    archOf(file) === "qwen25vl" && hasKey(file, "qwen25vl.vision.block_count") && hasTensorPrefix(file, "v."),
  translate(edit) {
    const v = (key: string) => `qwen25vl.vision.${key}`;
    for (const key of ["block_count", "embedding_length", "attention.head_count", "patch_size"]) {
      copyRequired(edit, v(key), `clip.vision.${key}`);
    }
    for (const key of ["attention.layer_norm_epsilon", "num_channels", "spatial_merge_size", "window_size"]) {
      edit.copy(v(key), `clip.vision.${key}`);
    }
    copyRequired(edit, "qwen25vl.embedding_length", "clip.vision.projection_dim");
    const up = edit.requireTensor("v.blk.0.ffn_up.weight", 2);
    edit.setIfMissing("clip.vision.feed_forward_length", "uint32", up.shape[1]);
    // windowed attention everywhere but every n-th block (llama.cpp's converter: the first full block + 1)
    const full = edit.array(v("fullatt_block_indexes"));
    if (full?.length) edit.set("clip.vision.n_wa_pattern", "uint32", Number(full[0]) + 1);
    edit.setIfMissing("clip.vision.n_wa_pattern", "uint32", 8);
    edit.setIfMissing("clip.vision.image_size", "uint32", 560);
    setF32ArrayIfMissing(edit, "clip.vision.image_mean", MEAN);
    setF32ArrayIfMissing(edit, "clip.vision.image_std", STD);
    markProjector(edit, "qwen2.5vl_merger", "silu");
    for (
      const [from, to] of [
        ["v.merger.ln_q.weight", "v.post_ln.weight"],
        ["v.merger.mlp.0.weight", "mm.0.weight"],
        ["v.merger.mlp.0.bias", "mm.0.bias"],
        ["v.merger.mlp.2.weight", "mm.2.weight"],
        ["v.merger.mlp.2.bias", "mm.2.bias"],
        ["v.patch_embd_0.weight", "v.patch_embd.weight"],
        ["v.patch_embd_1.weight", "v.patch_embd.weight.1"],
      ]
    ) edit.renameTensor(from, to);
    edit.requireTensor("v.patch_embd.weight", 4);
    edit.requireTensor("v.patch_embd.weight.1", 4);
    edit.requireTensor("mm.0.weight", 2);
    edit.requireTensor("mm.2.weight", 2);
    promoteToF32(edit, "v.patch_embd.weight");
    promoteToF32(edit, "v.patch_embd.weight.1");
  },
};
