/**
 * What an architecture family of published-Ollama GGUFs provides, and the header questions its marker asks.
 * @module
 */
import type { GgufFile } from "../gguf/mod.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** One architecture family: how to recognise Ollama's published layout, and how to turn it into llama.cpp's. */
export interface CompatFamily {
  /** The architecture as Ollama wrote it ("gptoss"); errors name it. */
  readonly name: string;
  /** True when the header carries this family's published-Ollama marker (a llama.cpp-layout file never does). */
  detect(file: GgufFile): boolean;
  /**
   * Whether the marker may be there, on a header read without its long arrays (`maxArrayElements`); only for a
   * family whose `detect` looks into them. Absent: `detect` itself, which then needs no long array.
   */
  mayMatch?(file: GgufFile): boolean;
  /** Edits the header into llama.cpp's layout; throws CompatError when the file is malformed for the family. */
  translate(edit: HeaderEdit): void;
}

/** `general.architecture`, or undefined. */
export function archOf(file: GgufFile): string | undefined {
  const arch = file.metadata["general.architecture"];
  return typeof arch === "string" ? arch : undefined;
}

export function hasKey(file: GgufFile, key: string): boolean {
  return Object.hasOwn(file.metadata, key);
}

export function hasTensor(file: GgufFile, name: string): boolean {
  return file.tensors.some((t) => t.name === name);
}

export function hasTensorPrefix(file: GgufFile, prefix: string): boolean {
  return file.tensors.some((t) => t.name.startsWith(prefix));
}

/** The prefixes of a multimodal blob's vision encoder and projector, which the text model must not see. */
export const VISION_PREFIXES = ["v.", "mm."] as const;
