/**
 * LFM2 as Ollama published it (before its converter switched, 4b2ac1f36): the last norm is `output_norm`
 * (llama.cpp: `token_embd_norm`), no pre-tokenizer, and a feed-forward length that may not match the tensors.
 * @module
 */
import { archOf, type CompatFamily, hasTensor } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** lfm2 (Ollama: handle_lfm2). */
export const lfm2: CompatFamily = {
  name: "lfm2",
  detect: (file) =>
    archOf(file) === "lfm2" && hasTensor(file, "output_norm.weight") && !hasTensor(file, "token_embd_norm.weight"),
  translate(edit: HeaderEdit) {
    edit.renameTensor("output_norm.weight", "token_embd_norm.weight");
    edit.set("tokenizer.ggml.pre", "string", "lfm2");
    // {n_embd, n_ff}: the tensor, not the stale key, says how wide the FFN is
    const gate = edit.requireTensor("blk.0.ffn_gate.weight", 2);
    edit.set("lfm2.feed_forward_length", "uint32", gate.shape[1]);
  },
};
