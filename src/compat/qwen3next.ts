/**
 * Qwen3-Next as Ollama published it (the converter before Qwen 3.5 took it over): a per-layer KV-head array and
 * `ssm_dt` without its `.bias` suffix. Every other name and byte is llama.cpp's already.
 * @module
 */
import { archOf, type CompatFamily } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";
import { collapseKvHeads, renameSsmDtBias } from "./qwen35.ts";

/** qwen3next (Ollama: handle_qwen3next); its marker is an `ssm_dt` tensor, which llama.cpp names `ssm_dt.bias`. */
export const qwen3next: CompatFamily = {
  name: "qwen3next",
  detect: (file) => archOf(file) === "qwen3next" && file.tensors.some((t) => t.name.endsWith(".ssm_dt")),
  translate(edit: HeaderEdit) {
    collapseKvHeads(edit, "qwen3next.attention.head_count_kv", 0);
    renameSsmDtBias(edit);
  },
};
