/**
 * OLMo 3 as Ollama published it: architecture `olmo3`, which llama.cpp loads as `olmo2` (same tensors, and
 * olmo2's loader has OLMo 3's sliding-window rope).
 * @module
 */
import { archOf, type CompatFamily } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** olmo3 (Ollama: handle_olmo3). */
export const olmo3: CompatFamily = {
  name: "olmo3",
  detect: (file) => archOf(file) === "olmo3",
  translate(edit: HeaderEdit) {
    edit.set("general.architecture", "string", "olmo2");
    edit.renamePrefix("olmo3.", "olmo2.");
  },
};
