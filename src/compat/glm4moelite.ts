/**
 * GLM-4.7-Flash as Ollama published it: architecture `glm4moelite`, DeepSeek-V2-style MLA attention written with
 * per-head key/value lengths, where llama.cpp loads it as `deepseek2` with the absorbed convention (one KV head,
 * lengths relative to the KV LoRA rank, per-head lengths under `*_mla`), expert-group keys it requires, the `glm4`
 * pre-tokenizer, and EOT/EOM ids taken from the EOS list.
 * @module
 */
import { archOf, type CompatFamily } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** EOT and EOM from `eos_token_ids` (GLM lists EOS, then the end-of-turn and observation tokens). */
function eogIds(edit: HeaderEdit): void {
  const ids = edit.array("tokenizer.ggml.eos_token_ids")?.map(Number).filter((id) => id >= 0);
  if (!ids) return;
  if (!edit.has("tokenizer.ggml.eot_token_id") && ids.length >= 2) {
    edit.set("tokenizer.ggml.eot_token_id", "uint32", ids[1]);
  }
  if (!edit.has("tokenizer.ggml.eom_token_id") && ids.length >= 3) {
    edit.set("tokenizer.ggml.eom_token_id", "uint32", ids[2]);
  }
}

/** glm4moelite (Ollama: handle_glm4moelite). */
export const glm4moelite: CompatFamily = {
  name: "glm4moelite",
  detect: (file) => archOf(file) === "glm4moelite",
  translate(edit: HeaderEdit) {
    edit.set("general.architecture", "string", "deepseek2");
    edit.renamePrefix("glm4moelite.", "deepseek2.");
    edit.set("deepseek2.attention.head_count_kv", "uint32", 1);
    const kvLora = edit.number("deepseek2.attention.kv_lora_rank");
    const rope = edit.number("deepseek2.rope.dimension_count");
    if (kvLora === undefined) {
      edit.fail("deepseek2.attention.kv_lora_rank (glm4moelite.attention.kv_lora_rank) is missing");
    }
    if (rope === undefined) edit.fail("glm4moelite.rope.dimension_count is missing");
    const headDim = edit.number("deepseek2.attention.key_length");
    if (headDim === undefined) edit.fail("glm4moelite.attention.key_length is missing");
    if (headDim <= rope) edit.fail(`key_length ${headDim} leaves no dimensions beside the ${rope} rotary ones`);
    edit.set("deepseek2.attention.key_length", "uint32", kvLora + rope);
    edit.set("deepseek2.attention.value_length", "uint32", kvLora);
    // the published per-head length (nope + rope) stands for both: GLM's value heads are as wide as its key heads
    edit.set("deepseek2.attention.key_length_mla", "uint32", headDim);
    edit.set("deepseek2.attention.value_length_mla", "uint32", headDim);
    edit.setIfMissing("deepseek2.expert_group_count", "uint32", 1);
    edit.setIfMissing("deepseek2.expert_group_used_count", "uint32", 1);
    edit.set("tokenizer.ggml.pre", "string", "glm4");
    eogIds(edit);
  },
};
