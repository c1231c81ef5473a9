/**
 * The projector view of a file: for a published-Ollama model with its vision tower inside, or a projector libmtmd
 * cannot read as it is, the header of an mmproj GGUF in llama.cpp's layout whose tensors point at byte ranges of
 * that file (some made from them: F32 promotions, permutations, zero fills).
 * @module
 */
import type { GgufFile } from "../gguf/mod.ts";
import type { ClipFamily } from "./clip_family.ts";
import { clipGemma3 } from "./clip_gemma3.ts";
import { clipGemma4 } from "./clip_gemma4.ts";
import { clipGlmocr } from "./clip_glmocr.ts";
import { clipLlama4 } from "./clip_llama4.ts";
import { clipLlava } from "./clip_llava.ts";
import { clipMistral3 } from "./clip_mistral3.ts";
import { clipQwen25vl } from "./clip_qwen25vl.ts";
import { clipQwen35 } from "./clip_qwen35.ts";
import { clipQwen3vl } from "./clip_qwen3vl.ts";
import { HeaderEdit } from "./header_edit.ts";
import type { Translation } from "./translate_header.ts";

/** Every vision family, in Ollama's order of detection. */
export const CLIP_FAMILIES: readonly ClipFamily[] = [
  clipLlava,
  clipGemma3,
  clipMistral3,
  clipQwen25vl,
  clipQwen3vl,
  clipLlama4,
  clipGemma4,
  clipQwen35,
  clipGlmocr,
];

/** The vision family whose marker the header carries, or undefined. */
export function detectProjectorFamily(file: GgufFile): ClipFamily | undefined {
  return CLIP_FAMILIES.find((family) => family.detect(file));
}

const VISION = ["v.", "mm."];

/**
 * The mmproj header of `file`, or undefined when it has no vision part to translate. Throws CompatError (naming the
 * architecture and the problem) for a vision part that cannot be translated.
 */
export function translateProjector(file: GgufFile): Translation | undefined {
  const family = detectProjectorFamily(file);
  if (!family) return undefined;
  const edit = new HeaderEdit(family.name, file);
  // the text model's tensors are not the projector's (and must not meet its substring renames)
  edit.header.tensors = edit.header.tensors.filter((t) => VISION.some((p) => t.name.startsWith(p)));
  family.translate(edit);
  edit.header.metadata = new Map(
    [...edit.header.metadata].filter(([key]) => key.startsWith("general.") || key.startsWith("clip.")),
  );
  const names = new Set<string>();
  for (const t of edit.header.tensors) {
    if (names.has(t.name)) edit.fail(`two vision tensors are named '${t.name}' after translation`);
    names.add(t.name);
  }
  if (names.size === 0) edit.fail("no vision tensors");
  return { family: `${family.name}-mmproj`, header: edit.header, hidden: [] };
}
