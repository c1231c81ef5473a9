/**
 * Shared checks of the qwen35/qwen3next/glm/laguna family unit tests: the published twin
 * (tests/fixtures/compat_pairs_qwen_glm.ts) translates to exactly its llama.cpp twin, bytes included, the twin itself
 * carries no marker, and a malformed header names the family.
 * @module
 */
import assert from "node:assert/strict";
import { type QwenGlmArch, qwenGlmPair, twinByteDifferences } from "../../tests/fixtures/compat_pairs_qwen_glm.ts";
import { type GgufFile, readGguf } from "../gguf/mod.ts";
import { CompatError } from "./compat_error.ts";
import { detectFamily, translateHeader, type Translation } from "./translate_header.ts";

/** Asserts detection on the published layout only, and a translation equal to the twin, byte for byte. */
export async function assertTranslatesToTwinBytes(arch: QwenGlmArch): Promise<Translation> {
  const pair = await qwenGlmPair(arch);
  const published = await readGguf(pair.ollama);
  assert.equal(detectFamily(published)?.name, arch);
  assert.equal(detectFamily(await readGguf(pair.llamaCpp)), undefined, "the llama.cpp twin must take today's path");
  const translation = translateHeader(published);
  assert.ok(translation);
  assert.deepEqual(await twinByteDifferences(translation, pair.ollama, pair.llamaCpp), []);
  return translation;
}

/** The published header of `arch`'s twin, for edits. */
export async function publishedHeader(arch: QwenGlmArch): Promise<GgufFile> {
  return await readGguf((await qwenGlmPair(arch)).ollama);
}

/** Asserts that the published header with `edit` applied is refused with a CompatError naming `arch` and `problem`. */
export async function assertHeaderRefused(
  arch: QwenGlmArch,
  edit: (file: GgufFile) => void,
  problem: RegExp,
): Promise<void> {
  const file = await publishedHeader(arch);
  edit(file);
  assert.throws(() => translateHeader(file), (error: unknown) => {
    assert.ok(error instanceof CompatError, String(error));
    assert.equal(error.arch, arch);
    assert.match(error.message, new RegExp(`Ollama-layout ${arch} model`));
    assert.match(error.message, problem);
    return true;
  });
}

/** Drops the tensors whose name matches. */
export function dropTensors(file: GgufFile, match: RegExp): void {
  file.tensors = file.tensors.filter((t) => !match.test(t.name));
}
