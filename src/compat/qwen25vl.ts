/**
 * Qwen2.5-VL as Ollama published it: architecture `qwen25vl` (llama.cpp: `qwen2vl`), its three M-RoPE sections as
 * `rope.mrope_section` where llama.cpp reads four `rope.dimension_sections`, and the vision tower inside the file.
 * @module
 */
import { archOf, type CompatFamily, VISION_PREFIXES } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** qwen25vl (Ollama: handle_qwen25vl). */
export const qwen25vl: CompatFamily = {
  name: "qwen25vl",
  detect: (file) => archOf(file) === "qwen25vl",
  translate(edit: HeaderEdit) {
    // copies: the qwen25vl.* keys stay (unread), and the vision side still reads them
    for (const key of [...edit.header.metadata.keys()]) {
      if (key.startsWith("qwen25vl.")) edit.copy(key, `qwen2vl.${key.slice("qwen25vl.".length)}`);
    }
    edit.set("general.architecture", "string", "qwen2vl");
    const sections = edit.array("qwen2vl.rope.mrope_section");
    if (!sections || sections.length < 3) {
      edit.fail(
        `qwen25vl.rope.mrope_section ${sections ? `has ${sections.length} entries` : "is missing"}: M-RoPE needs 3`,
      );
    }
    edit.set("qwen2vl.rope.dimension_sections", "array<int32>", [...sections.slice(0, 3).map(Number), 0]);
    for (const prefix of VISION_PREFIXES) edit.hidePrefix(prefix);
  },
};
