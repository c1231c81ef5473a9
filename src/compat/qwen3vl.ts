/**
 * Qwen3-VL as Ollama published it: no `rope.dimension_sections` (M-RoPE) or deepstack layer count, and the
 * vision tower inside the text file.
 * @module
 */
import { archOf, type CompatFamily, hasKey, VISION_PREFIXES } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** Qwen3-VL's M-RoPE sections (Ollama hard-codes them too); ggml needs their sum (64) ≤ the rotary dims. */
const SECTIONS = [24, 20, 20, 0];
const SECTION_DIMS = SECTIONS.reduce((a, b) => a + b, 0);

/** qwen3vl and qwen3vlmoe (Ollama: handle_qwen3vl). */
export const qwen3vl: CompatFamily = {
  name: "qwen3vl",
  detect(file) {
    const arch = archOf(file);
    return (arch === "qwen3vl" || arch === "qwen3vlmoe") && !hasKey(file, `${arch}.rope.dimension_sections`);
  },
  translate(edit: HeaderEdit) {
    const arch = edit.string("general.architecture")!;
    const embd = edit.number(`${arch}.embedding_length`);
    const heads = edit.number(`${arch}.attention.head_count`);
    const headDim = edit.number(`${arch}.rope.dimension_count`) ?? edit.number(`${arch}.attention.key_length`) ??
      (embd && heads ? embd / heads : undefined);
    if (headDim === undefined) edit.fail(`${arch}.embedding_length or ${arch}.attention.head_count is missing`);
    if (headDim < SECTION_DIMS) {
      edit.fail(`head dimension ${headDim} is below the ${SECTION_DIMS} rotary dimensions of Qwen3-VL's M-RoPE sections`);
    }
    edit.set(`${arch}.rope.dimension_sections`, "array<int32>", SECTIONS);
    const deepstack = edit.array(`${arch}.vision.deepstack_visual_indexes`);
    edit.setIfMissing(`${arch}.n_deepstack_layers`, "uint32", deepstack?.length ?? 0);
    // libllama adds deepstack rows after a block's FFN; in the last block only the output rows are left, so a
    // count that reaches the last block would fail a ggml assert (the end of the process) at the first decode
    const blocks = edit.number(`${arch}.block_count`) ?? 0;
    const layers = edit.number(`${arch}.n_deepstack_layers`) ?? 0;
    if (layers >= blocks) edit.fail(`${layers} deepstack layers for ${blocks} blocks (at most ${blocks - 1})`);
    for (const prefix of VISION_PREFIXES) edit.hidePrefix(prefix);
  },
};
