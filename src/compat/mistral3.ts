/**
 * Mistral 3 as Ollama published it: YaRN keys under other names, no pre-tokenizer, and the vision tower and
 * projector inside the text file.
 * @module
 */
import { archOf, type CompatFamily, hasKey, hasTensorPrefix, VISION_PREFIXES } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** Ollama's key → llama.cpp's key (same value and type). */
const COPIES = [
  ["rope.scaling.beta_fast", "rope.scaling.yarn_beta_fast"],
  ["rope.scaling.beta_slow", "rope.scaling.yarn_beta_slow"],
  ["rope.scaling.mscale_all_dim", "rope.scaling.yarn_log_multiplier"],
  ["rope.scaling_beta", "attention.temperature_scale"],
] as const;

/** mistral3 (Ollama: handle_mistral3). */
export const mistral3: CompatFamily = {
  name: "mistral3",
  detect(file) {
    if (archOf(file) !== "mistral3") return false;
    return VISION_PREFIXES.some((p) => hasTensorPrefix(file, p)) || hasKey(file, "mistral3.rope.scaling.beta_fast") ||
      hasKey(file, "mistral3.rope.scaling.mscale_all_dim") || hasKey(file, "mistral3.rope.scaling_beta");
  },
  translate(edit: HeaderEdit) {
    for (const [from, to] of COPIES) edit.copy(`mistral3.${from}`, `mistral3.${to}`);
    if (edit.missingOrDefault("tokenizer.ggml.pre")) edit.set("tokenizer.ggml.pre", "string", "tekken");
    for (const prefix of VISION_PREFIXES) edit.hidePrefix(prefix);
  },
};
