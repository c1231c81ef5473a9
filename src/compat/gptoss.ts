/**
 * gpt-oss as Ollama published it: architecture `gptoss` (llama.cpp: `gpt-oss`), no expert FFN length, no rope
 * scaling type, no pre-tokenizer, and three tensor names of its own.
 * @module
 */
import { archOf, type CompatFamily } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** Replaces the name segment `from` (between dots, or at the end) with `to`. */
function renameSegment(edit: HeaderEdit, from: string, to: string): void {
  for (const t of edit.header.tensors) {
    const parts = t.name.split(".");
    const at = parts.indexOf(from);
    if (at > 0) {
      parts.splice(at, 1, ...to.split("."));
      t.name = parts.join(".");
    }
  }
}

/** gpt-oss (Ollama: handle_gptoss). */
export const gptoss: CompatFamily = {
  name: "gptoss",
  detect: (file) => archOf(file) === "gptoss",
  translate(edit: HeaderEdit) {
    edit.set("general.architecture", "string", "gpt-oss");
    edit.renamePrefix("gptoss.", "gpt-oss.");
    if (!edit.has("gpt-oss.expert_feed_forward_length")) {
      // created as {n_embd, n_ff_exp, n_expert}: ne[1] is the per-expert FFN width
      const gate = edit.requireTensor("blk.0.ffn_gate_exps.weight", 3);
      edit.set("gpt-oss.expert_feed_forward_length", "uint32", gate.shape[1]);
    }
    edit.setIfMissing("gpt-oss.rope.scaling.type", "string", "yarn");
    edit.set("tokenizer.ggml.pre", "string", "gpt-4o");
    renameSegment(edit, "attn_out", "attn_output");
    for (const t of edit.header.tensors) if (t.name.endsWith(".attn_sinks")) t.name += ".weight";
    renameSegment(edit, "ffn_norm", "post_attention_norm");
  },
};
