/**
 * Gemma 4 as Ollama published it: one blob with the vision and audio encoders and the projector inside, the
 * tokenizer marked SentencePiece (`llama`) though Gemma 4 is BPE (its control tokens would split into pieces), and
 * in the MoE models each block's experts as separate gate and up stacks, which llama.cpp's layout keeps as one
 * `ffn_gate_up_exps` (per expert: its gate rows, then its up rows) — a data transform, made from the two source
 * ranges when the tensor is read.
 * @module
 */
import { archOf, type CompatFamily, hasTensorPrefix } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";
import { interleaveExperts } from "./interleave.ts";

/** Encoders and projector of the unified blob, which the text model must not see. */
const TOWER_PREFIXES = ["a.", "v.", "mm.", "model.vision_tower."] as const;
const GATE_EXPS = /^blk\.(\d+)\.ffn_gate_exps\.weight$/;

/** Merges block `b`'s gate and up expert stacks into the interleaved gate_up stack. */
function fuseGateUp(edit: HeaderEdit, b: string): void {
  const gateName = `blk.${b}.ffn_gate_exps.weight`, upName = `blk.${b}.ffn_up_exps.weight`;
  // quantized checkpoints carry per-stack scales that belong to each half: Ollama leaves those split too
  const sidecars = ["ffn_gate_exps.scale", "ffn_gate_exps.input_scale", "ffn_up_exps.scale", "ffn_up_exps.input_scale"];
  if (sidecars.some((s) => edit.tensor(`blk.${b}.${s}`))) return;
  const gate = edit.requireTensor(gateName, 3);
  const up = edit.requireTensor(upName, 3);
  if (edit.tensor(`blk.${b}.ffn_gate_up_exps.weight`)) edit.fail(`block ${b} has both split and fused gate/up experts`);
  if (gate.type !== up.type) edit.fail(`${gateName} and ${upName} differ in type (${gate.type}, ${up.type})`);
  if (gate.shape.join() !== up.shape.join()) edit.fail(`${gateName} has shape [${gate.shape}], ${upName} [${up.shape}]`);
  const [embd, ff, experts] = gate.shape;
  if (gate.size !== up.size || gate.size % experts !== 0) edit.fail(`${gateName} does not split into ${experts} experts`);
  const halves = [{ offset: gate.sourceOffset, size: gate.size }, { offset: up.sourceOffset, size: up.size }] as const;
  gate.name = `blk.${b}.ffn_gate_up_exps.weight`;
  gate.shape = [embd, ff * 2, experts];
  gate.size *= 2;
  gate.produce = (read) => interleaveExperts(read, halves[0], halves[1], experts);
  edit.header.tensors = edit.header.tensors.filter((t) => t !== up);
}

/** gemma4, dense and MoE (Ollama: handle_gemma4, register_gemma4_moe_gate_up_load). */
export const gemma4: CompatFamily = {
  name: "gemma4",
  detect(file) {
    if (archOf(file) !== "gemma4") return false;
    return TOWER_PREFIXES.some((p) => hasTensorPrefix(file, p)) || file.metadata["tokenizer.ggml.model"] === "llama";
  },
  translate(edit: HeaderEdit) {
    if (edit.string("tokenizer.ggml.model") === "llama") {
      if (!edit.has("tokenizer.ggml.merges")) edit.fail("tokenizer.ggml.merges is missing (Gemma 4's BPE needs it)");
      edit.set("tokenizer.ggml.model", "string", "gemma4");
    }
    for (const prefix of TOWER_PREFIXES) edit.hidePrefix(prefix);
    const blocks = new Set<string>();
    for (const t of edit.header.tensors) {
      const m = GATE_EXPS.exec(t.name) ?? /^blk\.(\d+)\.ffn_up_exps\.weight$/.exec(t.name);
      if (m) blocks.add(m[1]);
    }
    for (const b of blocks) fuseGateUp(edit, b);
    for (const t of edit.header.tensors) {
      const m = /^blk\.(\d+)\.ffn_gate_inp\.per_expert_scale$/.exec(t.name);
      if (m) edit.renameTensor(t.name, `blk.${m[1]}.ffn_down_exps.scale`);
    }
  },
};
