/**
 * Llama 4 as Ollama published it: text keys and tensors as llama.cpp reads them, with the vision tower and projector
 * inside the file, which the text model must not see.
 * @module
 */
import { archOf, type CompatFamily, hasTensorPrefix, VISION_PREFIXES } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** llama4 (Ollama: handle_llama4). */
export const llama4: CompatFamily = {
  name: "llama4",
  detect: (file) => archOf(file) === "llama4" && VISION_PREFIXES.some((p) => hasTensorPrefix(file, p)),
  translate(edit: HeaderEdit) {
    edit.requireTensor("token_embd.weight", 2);
    for (const prefix of VISION_PREFIXES) edit.hidePrefix(prefix);
  },
};
