/**
 * Qwen 3.5 (dense `qwen35` and MoE `qwen35moe`) as Ollama published it: a per-layer KV-head array, 3 M-RoPE
 * sections, `ssm_dt` without its `.bias` suffix, the vision tower inside the text file, and the multi-token
 * prediction (MTP) block under HF-style `mtp.*` names, its norms stored unshifted and, for the MoE, one tensor per
 * expert. llama.cpp wants the MTP block as the last `blk.N` (a `nextn` layer), norms +1.0 in F32, experts merged.
 * @module
 */
import { archOf, type CompatFamily, hasKey, hasTensorPrefix, VISION_PREFIXES } from "./family.ts";
import type { CompatTensor, HeaderEdit } from "./header_edit.ts";
import { concatTensors, shiftToF32PlusOne } from "./tensor_transforms.ts";

/** When every entry of the KV-head array is 0 (no attention layer is marked), Ollama assumes 2 heads. */
const DEFAULT_KV_HEADS = 2;

/** The MTP tensors shared by all MTP layers, and their llama.cpp names (first wins: both norms map to one). */
const SHARED_MTP: ReadonlyArray<readonly [string, string]> = [
  ["mtp.fc.weight", "nextn.eh_proj.weight"],
  ["mtp.pre_fc_norm_embedding.weight", "nextn.enorm.weight"],
  ["mtp.pre_fc_norm_hidden.weight", "nextn.hnorm.weight"],
  ["mtp.embed_tokens.weight", "nextn.embed_tokens.weight"],
  ["mtp.shared_head.head.weight", "nextn.shared_head_head.weight"],
  ["mtp.shared_head.norm.weight", "nextn.shared_head_norm.weight"],
  ["mtp.norm.weight", "nextn.shared_head_norm.weight"],
];

const EXPERT_PROJECTIONS: ReadonlyArray<readonly [string, string]> = [
  ["gate_proj.weight", "ffn_gate_exps.weight"],
  ["up_proj.weight", "ffn_up_exps.weight"],
  ["down_proj.weight", "ffn_down_exps.weight"],
];

/** `prefix<index>.<rest>` → [index, rest]. */
function indexed(name: string, prefix: string): [number, string] | undefined {
  const m = name.startsWith(prefix) ? /^(\d+)\.(.+)$/.exec(name.slice(prefix.length)) : null;
  return m ? [Number(m[1]), m[2]] : undefined;
}

/** A norm that llama.cpp stores +1.0 (every `_norm.weight` but the gated-delta-net's own, and the nextn input norms). */
function shiftsNorm(name: string): boolean {
  if (name.endsWith(".ssm_norm.weight")) return false;
  return name.endsWith("_norm.weight") || name.endsWith(".nextn.enorm.weight") || name.endsWith(".nextn.hnorm.weight");
}

/**
 * The per-layer KV-head array (0 for linear-attention layers) collapsed to its largest entry, which llama.cpp wants
 * as one number; an all-zero array becomes `fallback`, or stays when that is 0.
 */
export function collapseKvHeads(edit: HeaderEdit, key: string, fallback: number): void {
  const value = edit.get(key);
  if (!Array.isArray(value)) return;
  if (value.some((v) => typeof v !== "number" && typeof v !== "bigint")) edit.fail(`${key} is not an array of numbers`);
  const max = Math.max(0, ...value.map(Number)) || fallback;
  if (max) edit.set(key, "uint32", max);
}

/** `blk.N.ssm_dt` → `blk.N.ssm_dt.bias` (the same tensor under llama.cpp's name). */
export function renameSsmDtBias(edit: HeaderEdit): void {
  for (const t of edit.header.tensors) if (t.name.endsWith(".ssm_dt")) t.name += ".bias";
}

function renameMtp(edit: HeaderEdit, from: CompatTensor, to: string): void {
  if (edit.tensor(to)) return; // llama.cpp's own tensor (or the first of two sources) wins
  from.name = to;
  if (shiftsNorm(to)) shiftToF32PlusOne(edit, from);
}

/** Moves the `mtp.*` block to `blk.<base>…` in llama.cpp's nextn layout. */
function translateMtp(edit: HeaderEdit, arch: string): void {
  let layers = 0;
  const mtp = edit.header.tensors.filter((t) => t.name.startsWith("mtp."));
  if (mtp.length === 0) return;
  for (const t of mtp) {
    const at = indexed(t.name, "mtp.layers.");
    if (at) layers = Math.max(layers, at[0] + 1);
  }
  const nextn = layers || 1;
  // a file that already carries llama.cpp's nextn tensors keeps them; the mtp.* copies are hidden
  if (edit.header.tensors.some((t) => t.name.startsWith("blk.") && t.name.includes(".nextn."))) return;
  let base = 0;
  for (const t of edit.header.tensors) {
    const at = indexed(t.name, "blk.");
    if (at) base = Math.max(base, at[0] + 1);
  }
  if (base === 0) base = edit.number(`${arch}.block_count`) ?? 0;
  if (base === 0) edit.fail("no blk.N tensors and no block count: the MTP layers have no place");
  edit.set(`${arch}.nextn_predict_layers`, "uint32", nextn);
  edit.set(`${arch}.block_count`, "uint32", base + nextn);

  if (arch === "qwen35moe") {
    for (let i = 0; i < nextn; i++) mergeMtpExperts(edit, arch, i, base + i);
  }
  for (const t of [...edit.header.tensors]) {
    const at = indexed(t.name, "mtp.layers.");
    if (!at || (arch === "qwen35moe" && at[1].startsWith("mlp.experts."))) continue;
    renameMtp(edit, t, `blk.${base + at[0]}.${at[1]}`);
  }
  const shared = SHARED_MTP.filter(([from]) => edit.tensor(from));
  if (shared.length === 0) return;
  if (nextn !== 1) {
    edit.fail(`${nextn} MTP layers but one set of shared MTP tensors (${shared.map(([from]) => from).join(", ")})`);
  }
  for (const [from, to] of shared) {
    const t = edit.tensor(from);
    if (t) renameMtp(edit, t, `blk.${base}.${to}`);
  }
}

/** Merges `mtp.layers.<layer>.mlp.experts.<e>.<proj>` (e = 0…n-1) into `blk.<block>.ffn_<proj>_exps.weight`. */
function mergeMtpExperts(edit: HeaderEdit, arch: string, layer: number, block: number): void {
  const prefix = `mtp.layers.${layer}.mlp.experts.`;
  const want = edit.number(`${arch}.expert_count`);
  const merged: string[] = [];
  for (const [source, dest] of EXPERT_PROJECTIONS) {
    const experts: CompatTensor[] = [];
    for (const t of edit.header.tensors) {
      const at = indexed(t.name, prefix);
      if (at && at[1] === source) experts[at[0]] = t;
    }
    if (experts.length === 0) continue;
    for (let e = 0; e < experts.length; e++) {
      if (!experts[e]) {
        edit.fail(`MTP layer ${layer} has no expert ${e} ${source} (experts must be numbered 0…${experts.length - 1})`);
      }
    }
    if (want !== undefined && experts.length !== want) {
      edit.fail(`MTP layer ${layer} has ${experts.length} ${source} experts, ${arch}.expert_count says ${want}`);
    }
    for (const t of experts) {
      if (t.shape.length !== 2) edit.fail(`tensor '${t.name}' has shape [${t.shape}], expected 2 dimensions`);
    }
    concatTensors(edit, `blk.${block}.${dest}`, experts, "stack");
    merged.push(source);
  }
  if (merged.length > 0 && merged.length < EXPERT_PROJECTIONS.length) {
    const missing = EXPERT_PROJECTIONS.map(([s]) => s).filter((s) => !merged.includes(s));
    edit.fail(`MTP layer ${layer} has expert ${merged.join(", ")} but no ${missing.join(", ")}`);
  }
}

function qwen35Family(arch: "qwen35" | "qwen35moe"): CompatFamily {
  return {
    name: arch,
    detect(file) {
      if (archOf(file) !== arch) return false;
      return hasKey(file, `${arch}.vision.block_count`) || hasKey(file, `${arch}.image_token_id`) ||
        hasKey(file, `${arch}.ssm.v_head_reordered`) || hasKey(file, `${arch}.rope.mrope_interleaved`) ||
        (arch === "qwen35moe" && hasKey(file, `${arch}.feed_forward_length`)) ||
        hasTensorPrefix(file, "mtp.") || hasTensorPrefix(file, "v.");
    },
    translate(edit: HeaderEdit) {
      collapseKvHeads(edit, `${arch}.attention.head_count_kv`, DEFAULT_KV_HEADS);
      const sectionsKey = `${arch}.rope.dimension_sections`;
      const sections = edit.array(sectionsKey);
      if (sections?.length === 3) edit.set(sectionsKey, "array<int32>", [...sections.map(Number), 0]);
      renameSsmDtBias(edit);
      translateMtp(edit, arch);
      for (const prefix of [...VISION_PREFIXES, "mtp."]) edit.hidePrefix(prefix);
    },
  };
}

/** qwen35, e.g. qwen3.5:9b (Ollama: handle_qwen35). */
export const qwen35: CompatFamily = qwen35Family("qwen35");
/** qwen35moe, e.g. qwen3.5:35b-a3b (Ollama: handle_qwen35moe). */
export const qwen35moe: CompatFamily = qwen35Family("qwen35moe");
