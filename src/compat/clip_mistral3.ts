/**
 * Mistral 3's Pixtral vision tower inside Ollama's published model file (Ollama: handle_mistral3_clip): keys under
 * `mistral3.vision.*`, Hugging Face leaf names, vision Q/K rows in Hugging Face order (the converter permuted only
 * the text model's), and no `[IMG_BREAK]` embedding of its own.
 * @module
 */
import { GGML_TYPE } from "../gguf/mod.ts";
import { archOf, hasKey, hasTensorPrefix } from "./family.ts";
import { type ClipFamily, copyRequired, markProjector, promoteToF32, setF32ArrayIfMissing } from "./clip_family.ts";
import type { HeaderEdit } from "./header_edit.ts";
import { permuteRows } from "./tensor_data.ts";

const RENAMES: ReadonlyArray<readonly [string, string]> = [
  ["v.patch_conv", "v.patch_embd"],
  ["v.encoder_norm", "v.pre_ln"],
  [".attn_output", ".attn_out"],
  [".attn_norm", ".ln1"],
  [".ffn_norm", ".ln2"],
  ["mm.linear_1", "mm.1"],
  ["mm.linear_2", "mm.2"],
  ["mm.patch_merger.merging_layer", "mm.patch_merger"],
  ["mm.norm", "mm.input_norm"],
];

/** Pixtral's image statistics (CLIP's). */
const MEAN = [0.48145467, 0.4578275, 0.40821072];
const STD = [0.26862955, 0.26130259, 0.2757771];

/** mistral3 monolithic (vision side). */
export const clipMistral3: ClipFamily = {
  name: "mistral3",
  detect: (file) =>
    archOf(file) === "mistral3" && hasKey(file, "mistral3.vision.block_count") && hasTensorPrefix(file, "v."),
  translate(edit) {
    for (
      const key of [
        "block_count",
        "embedding_length",
        "feed_forward_length",
        "image_size",
        "patch_size",
        "attention.head_count",
      ]
    ) {
      copyRequired(edit, `mistral3.vision.${key}`, `clip.vision.${key}`);
    }
    edit.copy("mistral3.vision.num_channels", "clip.vision.num_channels");
    edit.copy("mistral3.spatial_merge_size", "clip.vision.spatial_merge_size");
    edit.copy("mistral3.vision.rope.freq_base", "clip.rope.freq_base");
    // pixtral takes its output width from mm.2; the key must still be there
    copyRequired(edit, "mistral3.embedding_length", "clip.vision.projection_dim");
    edit.setIfMissing("clip.vision.attention.layer_norm_epsilon", "float32", 1e-5);
    setF32ArrayIfMissing(edit, "clip.vision.image_mean", MEAN);
    setF32ArrayIfMissing(edit, "clip.vision.image_std", STD);
    markProjector(edit, "pixtral", "silu");
    const nHead = edit.number("mistral3.vision.attention.head_count")!;
    const blocks = edit.number("mistral3.vision.block_count")!;
    for (let b = 0; b < blocks; b++) {
      for (const kind of ["attn_q", "attn_k"]) permuteRopeRows(edit, `v.blk.${b}.${kind}.weight`, nHead);
    }
    for (const [from, to] of RENAMES) edit.renameTensorsContaining(from, to);
    edit.requireTensor("v.patch_embd.weight", 4);
    edit.requireTensor("mm.1.weight", 2);
    const mm2 = edit.requireTensor("mm.2.weight", 2);
    // [IMG_BREAK] ends each row of image tokens; zeros make it a no-op row, as in Ollama (the real row is a row of
    // the quantized token_embd.weight)
    const width = mm2.shape[1];
    if (edit.tensor("v.token_embd.img_break")) edit.fail("tensor 'v.token_embd.img_break' exists already");
    edit.header.tensors.push({
      name: "v.token_embd.img_break",
      type: GGML_TYPE.F32,
      shape: [width],
      sourceOffset: mm2.sourceOffset,
      size: width * 4,
      produce: () => new Uint8Array(width * 4),
    });
    promoteToF32(edit, "v.patch_embd.weight");
  },
};

/**
 * Moves a vision Q/K weight's rows from Hugging Face's order (per head: first halves, then second halves of the
 * rotary pairs) to the interleaved order pixtral's 2-D RoPE reads (llama.cpp's converter permutes them so).
 */
function permuteRopeRows(edit: HeaderEdit, name: string, nHead: number): void {
  const t = edit.requireTensor(name, 2);
  const rows = t.shape[1];
  if (nHead <= 0 || rows % nHead !== 0 || (rows / nHead) % 2 !== 0) {
    edit.fail(`tensor '${name}' has ${rows} rows, not ${nHead} heads of an even size`);
  }
  const headDim = rows / nHead;
  const { sourceOffset, size } = t;
  t.produce = (read) =>
    permuteRows(read(sourceOffset, size), rows, (i) => {
      const head = Math.floor(i / headDim);
      const within = i % headDim;
      return head * headDim + (within % 2) * (headDim / 2) + Math.floor(within / 2);
    });
}
