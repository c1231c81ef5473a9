/**
 * DeepSeek-OCR as Ollama published it: architecture `deepseekocr` (llama.cpp: `deepseek2-ocr`), no RMS-norm epsilon,
 * expert width or shared-expert count (llama.cpp reads them; the tensors' shapes hold them), and its SAM encoder,
 * CLIP tower and projector (`s.`, `v.`, `mm.`) inside the file.
 * @module
 */
import { archOf, type CompatFamily } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** deepseekocr (Ollama: handle_deepseekocr). */
export const deepseekocr: CompatFamily = {
  name: "deepseekocr",
  detect: (file) => archOf(file) === "deepseekocr",
  translate(edit: HeaderEdit) {
    edit.set("general.architecture", "string", "deepseek2-ocr");
    edit.renamePrefix("deepseekocr.", "deepseek2-ocr.");
    edit.setIfMissing("deepseek2-ocr.attention.layer_norm_rms_epsilon", "float32", 1e-6);
    // the first MoE block: blocks before it are dense
    const first = edit.number("deepseek2-ocr.leading_dense_block_count") ?? 1;
    const down = edit.requireTensor(`blk.${first}.ffn_down_exps.weight`, 3);
    const expertWidth = down.shape[0];
    edit.setIfMissing("deepseek2-ocr.expert_feed_forward_length", "uint32", expertWidth);
    if (!edit.has("deepseek2-ocr.expert_shared_count")) {
      const shared = edit.requireTensor(`blk.${first}.ffn_down_shexp.weight`, 2).shape[0];
      if (shared % expertWidth !== 0) {
        edit.fail(
          `tensor 'blk.${first}.ffn_down_shexp.weight' is ${shared} wide, not a multiple of the expert width ${expertWidth}`,
        );
      }
      edit.set("deepseek2-ocr.expert_shared_count", "uint32", shared / expertWidth);
    }
    for (const prefix of ["s.", "v.", "mm."]) edit.hidePrefix(prefix);
  },
};
