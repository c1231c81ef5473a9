/**
 * GLM-OCR as Ollama published it: architecture `glmocr` (llama.cpp: `glm4`), 3 M-RoPE sections under
 * `rope.mrope_section`, no rope dimension count, a pre-tokenizer other than `chatglm-bpe`, three tensor names of its
 * own, the FFN gate and up as two tensors where llama.cpp wants them fused into one `ffn_up` [n_embd, 2·n_ff]
 * (gate rows first), and the vision tower inside the text file.
 * @module
 */
import { archOf, type CompatFamily, VISION_PREFIXES } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";
import { concatTensors } from "./tensor_transforms.ts";

/** glmocr (Ollama: handle_glmocr). */
export const glmocr: CompatFamily = {
  name: "glmocr",
  detect: (file) => archOf(file) === "glmocr",
  translate(edit: HeaderEdit) {
    edit.set("general.architecture", "string", "glm4");
    edit.renamePrefix("glmocr.", "glm4.");
    const sections = edit.array("glm4.rope.mrope_section");
    if (sections?.length === 3) edit.set("glm4.rope.dimension_sections", "array<int32>", [...sections.map(Number), 0]);
    if (!edit.has("glm4.rope.dimension_count")) {
      const keyLength = edit.number("glm4.attention.key_length");
      if (keyLength !== undefined) edit.set("glm4.rope.dimension_count", "uint32", keyLength);
    }
    // GLM's own split regex: another one fragments its special tokens
    if (edit.has("tokenizer.ggml.pre")) edit.set("tokenizer.ggml.pre", "string", "chatglm-bpe");
    edit.renameTensorsContaining(".attn_out.", ".attn_output.");
    edit.renameTensorsContaining(".post_attn_norm.", ".post_attention_norm.");
    edit.renameTensorsContaining(".post_ffn_norm.", ".post_ffw_norm.");
    const blocks = edit.number("glm4.block_count") ?? 16;
    for (let b = 0; b < blocks; b++) {
      const gate = edit.tensor(`blk.${b}.ffn_gate.weight`);
      const up = edit.tensor(`blk.${b}.ffn_up.weight`);
      if (!gate || !up) {
        if (gate || up) {
          edit.fail(`block ${b} has ${gate ? "ffn_gate" : "ffn_up"} but no ${gate ? "ffn_up" : "ffn_gate"}`);
        }
        continue;
      }
      if (gate.shape.length !== 2) edit.fail(`tensor '${gate.name}' has shape [${gate.shape}], expected 2 dimensions`);
      // silu(first half) × second half: the gate goes first
      concatTensors(edit, up.name, [gate, up], "extend");
    }
    for (const prefix of VISION_PREFIXES) edit.hidePrefix(prefix);
  },
};
