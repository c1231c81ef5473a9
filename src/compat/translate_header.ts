/**
 * Detects a published-Ollama marker in a parsed GGUF header and translates the header to llama.cpp's layout.
 * @module
 */
import type { GgufFile } from "../gguf/mod.ts";
import { FAMILIES } from "./families.ts";
import type { CompatFamily } from "./family.ts";
import { type CompatHeader, HeaderEdit } from "./header_edit.ts";

/** A header in llama.cpp's layout whose tensors point at byte ranges of the published file. */
export interface Translation {
  family: string;
  header: CompatHeader;
  /** Tensor name prefixes left out of the text model (vision tower, projector). */
  hidden: readonly string[];
}

/** The family whose marker the header carries, or undefined for a file libllama takes as it is. */
export function detectFamily(file: GgufFile): CompatFamily | undefined {
  return FAMILIES.find((family) => family.detect(file));
}

/**
 * The translated header, or undefined when the file carries no published-Ollama marker. Throws CompatError (naming
 * the architecture and the problem) for a file with a marker that cannot be translated.
 */
export function translateHeader(file: GgufFile): Translation | undefined {
  const family = detectFamily(file);
  if (!family) return undefined;
  const edit = new HeaderEdit(family.name, file);
  family.translate(edit);
  const names = new Set<string>();
  for (const t of edit.header.tensors) {
    if (names.has(t.name)) edit.fail(`two tensors are named '${t.name}' after translation`);
    names.add(t.name);
  }
  return { family: family.name, header: edit.header, hidden: edit.hidden };
}
