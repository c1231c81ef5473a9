/**
 * Gemma 3 as Ollama published it: no RMS-norm epsilon or rope keys (the 1B has nested rope names), extra
 * multimodal tokens beyond the embedding rows, and the vision tower inside the text file.
 * @module
 */
import { archOf, type CompatFamily, hasKey, hasTensor, hasTensorPrefix, VISION_PREFIXES } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/**
 * A Gemma 3 chat template (ours) for blobs that carry none, as Ollama injects one: turns of `user` and `model`, a
 * system message put at the head of the first user turn (Gemma 3 has no system role), contents trimmed.
 */
export const GEMMA3_CHAT_TEMPLATE = "{{ bos_token }}" +
  "{%- if messages and messages[0]['role'] == 'system' -%}" +
  "{%- set prefix = messages[0]['content'] | trim + '\n\n' -%}{%- set turns = messages[1:] -%}" +
  "{%- else -%}{%- set prefix = '' -%}{%- set turns = messages -%}{%- endif -%}" +
  "{%- for message in turns -%}" +
  "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}" +
  "{{ '<start_of_turn>' + role + '\n' + (prefix if loop.first else '') + message['content'] | trim + '<end_of_turn>\n' }}" +
  "{%- endfor -%}" +
  "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}";

/** Gemma 3 4B/12B/27B extend a 16k trained context to 128k with linear x8 rope scaling. */
const LONG_CONTEXT = 131072;

/** gemma3 (Ollama: handle_gemma3). */
export const gemma3: CompatFamily = {
  name: "gemma3",
  detect(file) {
    // embeddinggemma (dense.0.weight) is a gemma3 of its own: embeddinggemma.ts
    if (archOf(file) !== "gemma3" || hasTensor(file, "dense.0.weight")) return false;
    return hasKey(file, "gemma3.mm.tokens_per_image") || VISION_PREFIXES.some((p) => hasTensorPrefix(file, p)) ||
      hasKey(file, "gemma3.rope.global.freq_base") || hasKey(file, "gemma3.rope.local.freq_base") ||
      hasKey(file, "tokenizer.ggml.add_padding_token") || hasKey(file, "tokenizer.ggml.add_unknown_token") ||
      !hasKey(file, "gemma3.attention.layer_norm_rms_epsilon");
  },
  translate(edit: HeaderEdit) {
    // nested names first, so they win over the defaults below
    edit.copy("gemma3.rope.global.freq_base", "gemma3.rope.freq_base");
    edit.copy("gemma3.rope.local.freq_base", "gemma3.rope.freq_base_swa");
    edit.setIfMissing("gemma3.attention.layer_norm_rms_epsilon", "float32", 1e-6);
    edit.setIfMissing("gemma3.rope.freq_base", "float32", 1_000_000);
    edit.setIfMissing("gemma3.rope.freq_base_swa", "float32", 10_000);
    if ((edit.number("gemma3.context_length") ?? 0) >= LONG_CONTEXT) {
      edit.setIfMissing("gemma3.rope.scaling.type", "string", "linear");
      edit.setIfMissing("gemma3.rope.scaling.factor", "float32", 8);
    }
    const rows = edit.requireTensor("token_embd.weight", 2).shape[1];
    for (const key of ["tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"]) {
      edit.truncateArray(key, rows);
    }
    edit.setIfMissing("tokenizer.chat_template", "string", GEMMA3_CHAT_TEMPLATE);
    for (const prefix of VISION_PREFIXES) edit.hidePrefix(prefix);
  },
};
