/**
 * Qwen3-VL's vision tower inside Ollama's published model file (Ollama: handle_qwen3vl_clip): keys under
 * `<arch>.vision.*`, Q/K/V split out of the fused projection (F16 Q/K beside a maybe quantized V), one Conv3D patch
 * embedding packed as [W, H, T, out·in], and deepstack adapters numbered 0, 1, 2 instead of by the vision block
 * they follow.
 * @module
 */
import { GGML_TYPE } from "../gguf/mod.ts";
import { archOf, hasKey, hasTensorPrefix } from "./family.ts";
import {
  type ClipFamily,
  copyRequired,
  HALF,
  markProjector,
  produceF32,
  promoteToF32,
  setF32ArrayIfMissing,
} from "./clip_family.ts";
import type { CompatTensor, HeaderEdit } from "./header_edit.ts";
import { toF32 } from "./tensor_data.ts";

/** qwen3vl / qwen3vlmoe monolithic (vision side). */
export const clipQwen3vl: ClipFamily = {
  name: "qwen3vl",
  detect(file) {
    const arch = archOf(file);
    return (arch === "qwen3vl" || arch === "qwen3vlmoe") && !hasKey(file, `${arch}.rope.dimension_sections`) &&
      hasKey(file, `${arch}.vision.block_count`) && hasTensorPrefix(file, "v.");
  },
  translate(edit) {
    const arch = edit.string("general.architecture")!;
    const v = (key: string) => `${arch}.vision.${key}`;
    for (const key of ["block_count", "embedding_length", "attention.head_count", "patch_size"]) {
      copyRequired(edit, v(key), `clip.vision.${key}`);
    }
    for (const key of ["attention.layer_norm_epsilon", "num_channels", "spatial_merge_size", "temporal_patch_size"]) {
      edit.copy(v(key), `clip.vision.${key}`);
    }
    edit.copy(v("rope.freq_base"), "clip.vision.rope.freq_base");
    copyRequired(edit, `${arch}.embedding_length`, "clip.vision.projection_dim");
    edit.setIfMissing("clip.vision.num_channels", "uint32", 3);
    edit.setIfMissing("clip.vision.temporal_patch_size", "uint32", 2);
    edit.setIfMissing("clip.vision.rope.freq_base", "float32", 10000);
    const fc1 = edit.requireTensor("v.blk.0.mlp.linear_fc1.weight", 2);
    edit.setIfMissing("clip.vision.feed_forward_length", "uint32", fc1.shape[1]);
    const patch = edit.number(v("patch_size"))!;
    const positions = edit.requireTensor("v.pos_embed.weight", 2).shape[1];
    edit.setIfMissing("clip.vision.image_size", "uint32", Math.floor(Math.sqrt(positions)) * patch);
    edit.copy(v("image_mean"), "clip.vision.image_mean");
    edit.copy(v("image_std"), "clip.vision.image_std");
    edit.copy(v("shortest_edge"), "clip.vision.image_min_pixels");
    edit.copy(v("longest_edge"), "clip.vision.image_max_pixels");
    edit.setIfMissing("clip.vision.image_min_pixels", "uint32", 65536);
    edit.setIfMissing("clip.vision.image_max_pixels", "uint32", 16777216);
    setF32ArrayIfMissing(edit, "clip.vision.image_mean", HALF);
    setF32ArrayIfMissing(edit, "clip.vision.image_std", HALF);
    const blocks = edit.number("clip.vision.block_count")!;
    const deepstack = (edit.array(v("deepstack_visual_indexes")) ?? []).map(Number);
    for (const index of deepstack) {
      if (!Number.isInteger(index) || index < 0 || index >= blocks) {
        edit.fail(`${v("deepstack_visual_indexes")} names block ${index}, outside the ${blocks} vision blocks`);
      }
    }
    edit.setIfMissing(
      "clip.vision.is_deepstack_layers",
      "array<bool>",
      Array.from({ length: blocks }, (_, i) => deepstack.includes(i)),
    );
    markProjector(edit, "qwen3vl_merger", "gelu");

    for (let b = 0; b < blocks; b++) {
      mergeQkv(edit, `v.blk.${b}`, "weight");
      mergeQkv(edit, `v.blk.${b}`, "bias");
    }
    splitPatchEmbedding(edit, edit.number("clip.vision.num_channels")!);
    const renames: Array<[string, string]> = [
      ["v.merger.norm.weight", "v.post_ln.weight"],
      ["v.merger.norm.bias", "v.post_ln.bias"],
      ["v.merger.linear_fc1.weight", "mm.0.weight"],
      ["v.merger.linear_fc1.bias", "mm.0.bias"],
      ["v.merger.linear_fc2.weight", "mm.2.weight"],
      ["v.merger.linear_fc2.bias", "mm.2.bias"],
      ["v.patch_embed.bias", "v.patch_embd.bias"],
      ["v.pos_embed.weight", "v.position_embd.weight"],
    ];
    for (const [i, index] of deepstack.entries()) {
      for (const [from, to] of [["norm", "norm"], ["linear_fc1", "fc1"], ["linear_fc2", "fc2"]]) {
        for (const kind of ["weight", "bias"]) {
          renames.push([`v.deepstack_merger.${i}.${from}.${kind}`, `v.deepstack.${index}.${to}.${kind}`]);
        }
      }
    }
    for (const [from, to] of renames) edit.renameTensor(from, to);
    for (
      const [from, to] of [[".norm1", ".ln1"], [".norm2", ".ln2"], [".mlp.linear_fc1", ".ffn_up"], [
        ".mlp.linear_fc2",
        ".ffn_down",
      ]]
    ) {
      edit.renameTensorsContaining(from, to);
    }
    edit.requireTensor("mm.0.weight", 2);
    edit.requireTensor("mm.2.weight", 2);
    promoteToF32(edit, "v.position_embd.weight");
  },
};

/** Q, K and V of a block as one F32 `attn_qkv` (dequantized first: Q/K and V may have different types). */
function mergeQkv(edit: HeaderEdit, block: string, kind: "weight" | "bias"): void {
  const parts = ["attn_q", "attn_k", "attn_v"].map((p) => edit.requireTensor(`${block}.${p}.${kind}`));
  const [q] = parts;
  for (const t of parts) {
    if (t.shape.join() !== q.shape.join()) {
      edit.fail(`tensor '${t.name}' has shape [${t.shape}], unlike '${q.name}' [${q.shape}]`);
    }
  }
  const sources = parts.map(({ type, sourceOffset, size }) => ({ type, sourceOffset, size }));
  const merged: CompatTensor = {
    name: `${block}.attn_qkv.${kind}`,
    type: GGML_TYPE.F32,
    shape: kind === "weight" ? [q.shape[0], q.shape[1] * 3] : [q.shape[0] * 3],
    sourceOffset: q.sourceOffset,
    size: 0,
  };
  produceF32(edit, merged, (read) => {
    const values = sources.map((s) => toF32(s.type, read(s.sourceOffset, s.size)));
    const out = new Float32Array(values.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of values) {
      out.set(x, at);
      at += x.length;
    }
    return out;
  });
  edit.header.tensors = edit.header.tensors.filter((t) => !parts.includes(t));
  edit.header.tensors.push(merged);
}

/**
 * The Conv3D patch embedding [W, H, T=2, out·in] (PyTorch's [out, in] flattened) as llama.cpp's two Conv2D
 * weights [W, H, in, out], one per temporal slice, in F32.
 */
function splitPatchEmbedding(edit: HeaderEdit, channels: number): void {
  const source = edit.requireTensor("v.patch_embed.weight", 4);
  const [width, height, frames, packed] = source.shape;
  if (frames !== 2 || packed % channels !== 0) {
    edit.fail(`tensor 'v.patch_embed.weight' has shape [${source.shape}], expected [W, H, 2, out·${channels}]`);
  }
  const outs = packed / channels;
  const plane = width * height;
  const { type, sourceOffset, size } = source;
  edit.header.tensors = edit.header.tensors.filter((t) => t !== source);
  for (const slice of [0, 1]) {
    const t: CompatTensor = {
      name: slice === 0 ? "v.patch_embd.weight" : "v.patch_embd.weight.1",
      type,
      shape: [width, height, channels, outs],
      sourceOffset,
      size: 0,
    };
    produceF32(edit, t, (read) => {
      const all = toF32(type, read(sourceOffset, size));
      const out = new Float32Array(plane * channels * outs);
      for (let o = 0; o < outs; o++) {
        for (let c = 0; c < channels; c++) {
          const from = plane * (slice + frames * (o * channels + c));
          out.set(all.subarray(from, from + plane), plane * (c + channels * o));
        }
      }
      return out;
    });
    edit.header.tensors.push(t);
  }
}
