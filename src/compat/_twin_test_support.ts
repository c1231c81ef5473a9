/**
 * Shared checks of the family unit tests: a family's published layout translates to exactly its llama.cpp twin
 * (tests/fixtures/compat_pairs.ts), the twin itself carries no marker, and a malformed file names the family.
 * @module
 */
import assert from "node:assert/strict";
import { buildPair, type CompatArch, type PairSpec, specHeader, twinDifferences } from "../../tests/fixtures/compat_pairs.ts";
import { CompatError } from "./compat_error.ts";
import { detectFamily, translateHeader } from "./translate_header.ts";

/** Asserts detection on the published layout only, and a translation equal to the twin. */
export async function assertTranslatesToTwin(arch: CompatArch): Promise<void> {
  const { llamaCpp, ollama } = await buildPair(arch);
  const published = specHeader(ollama);
  assert.equal(detectFamily(published)?.name, arch);
  assert.equal(detectFamily(specHeader(llamaCpp)), undefined, "the llama.cpp twin must take today's path");
  const translation = translateHeader(published);
  assert.ok(translation);
  assert.deepEqual(twinDifferences(translation, llamaCpp, published, ollama), []);
}

/** Asserts that the published layout with `edit` applied is refused with a CompatError naming `arch` and `problem`. */
export async function assertRefused(arch: CompatArch, edit: (spec: PairSpec) => void, problem: RegExp): Promise<void> {
  const { ollama } = await buildPair(arch);
  edit(ollama);
  assert.throws(() => translateHeader(specHeader(ollama)), (error: unknown) => {
    assert.ok(error instanceof CompatError);
    assert.equal(error.arch, arch);
    assert.match(error.message, new RegExp(`Ollama-layout ${arch} model`));
    assert.match(error.message, problem);
    return true;
  });
}

/** Drops a tensor from a spec. */
export function dropTensor(spec: PairSpec, name: string): void {
  spec.tensors = spec.tensors.filter((t) => t.name !== name);
}
