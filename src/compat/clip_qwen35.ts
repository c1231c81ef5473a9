/**
 * Qwen 3.5's vision tower inside Ollama's published model file (Ollama: handle_qwen35_clip / handle_qwen35moe_clip):
 * Qwen3-VL's tower without deepstack adapters, published as Qwen3-VL's is (`<arch>.vision.*` keys, separate Q/K/V,
 * one Conv3D patch embedding, `v.merger.*`), so clipQwen3vl's translation makes its `qwen3vl_merger` mmproj (an
 * all-false deepstack mask as long as the tower). Images need M-RoPE positions, as Qwen3-VL's do.
 * @module
 */
import { archOf, hasKey, hasTensorPrefix } from "./family.ts";
import type { ClipFamily } from "./clip_family.ts";
import { clipQwen3vl } from "./clip_qwen3vl.ts";

/** qwen35 / qwen35moe monolithic (vision side). */
export const clipQwen35: ClipFamily = {
  name: "qwen35",
  detect(file) {
    const arch = archOf(file);
    return (arch === "qwen35" || arch === "qwen35moe") && hasKey(file, `${arch}.vision.block_count`) &&
      hasTensorPrefix(file, "v.");
  },
  translate(edit) {
    const arch = edit.string("general.architecture")!;
    if (edit.has(`${arch}.vision.deepstack_visual_indexes`)) {
      edit.fail(`${arch}.vision.deepstack_visual_indexes is set: Qwen 3.5's vision tower has no deepstack adapters`);
    }
    clipQwen3vl.translate(edit);
  },
};
