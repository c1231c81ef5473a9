/**
 * The reference models in /work/shared/models (random weights, written by llama.cpp's own gguf writer) and
 * their expected greedy ids (expected.json, produced by a plain C program against the same libllama).
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const SHARED_MODELS = "/work/shared/models";

export interface ExpectedCase {
  prompt: string;
  prompt_tokens: number[];
  generated_ids: number[];
}

/** Path of a reference model, or undefined when the shared folder is absent (tests then skip). */
export function referenceModel(name: "tiny-spm" | "tiny-bpe"): string | undefined {
  const path = join(SHARED_MODELS, `${name}.gguf`);
  return existsSync(path) ? path : undefined;
}

/** The expected cases for a reference model. */
export function expectedCases(name: "tiny-spm" | "tiny-bpe"): ExpectedCase[] {
  const file = join(SHARED_MODELS, "expected.json");
  if (!existsSync(file)) return [];
  const data = JSON.parse(readFileSync(file, "utf8")) as { models: Record<string, { cases: ExpectedCase[] }> };
  return data.models[name]?.cases ?? [];
}

/** expected.json was produced on the zen4 CPU backend; another variant may flip a near tie. */
export function isReferenceVariant(variant: string | undefined): boolean {
  return variant !== undefined && variant.includes("zen4");
}
