/**
 * Checks of the gemma/bert/nemotron family unit tests against tests/fixtures/compat_pairs_gemma_bert.ts: the
 * published layout translates to exactly its llama.cpp twin — produced tensors included, byte for byte — and a
 * malformed file is refused with a CompatError naming the family.
 * @module
 */
import assert from "node:assert/strict";
import { specHeader, twinDifferences } from "../../tests/fixtures/compat_pairs.ts";
import type { PairSpec } from "../../tests/fixtures/compat_pairs.ts";
import { pairTensorBytes } from "../../tests/fixtures/compat_pairs.ts";
import { buildGbPair, FAMILY_OF, type GbArch } from "../../tests/fixtures/compat_pairs_gemma_bert.ts";
import { CompatError } from "./compat_error.ts";
import { detectFamily, type Translation, translateHeader } from "./translate_header.ts";

/** Asserts detection on the published layout only, a translation equal to the twin, and the produced bytes. */
export async function assertGbTranslatesToTwin(arch: GbArch): Promise<Translation> {
  const { llamaCpp, ollama } = await buildGbPair(arch);
  const published = specHeader(ollama);
  assert.equal(detectFamily(published)?.name, FAMILY_OF[arch]);
  assert.equal(detectFamily(specHeader(llamaCpp)), undefined, "the llama.cpp twin must take today's path");
  const translation = translateHeader(published);
  assert.ok(translation);
  assert.deepEqual(twinDifferences(translation, llamaCpp, published, ollama), []);
  // a produced tensor's bytes, made from the published file's bytes, are the twin's
  const file = publishedBytes(ollama, published);
  for (const t of translation.header.tensors) {
    const want = llamaCpp.tensors.find((x) => x.name === t.name)!;
    if (t.produce) {
      const got = t.produce((offset, size) => file(offset, size));
      assert.equal(got.byteLength, t.size);
      assert.deepEqual(got, want.data ? want.data() : pairTensorBytes(want), t.name);
    } else {
      assert.equal(t.size, (want.data ? want.data() : pairTensorBytes(want)).byteLength, `${t.name}: size`);
    }
  }
  return translation;
}

/** A reader of the published layout's bytes as writeSpec lays them out (specHeader's offsets). */
function publishedBytes(spec: PairSpec, header: ReturnType<typeof specHeader>) {
  const ranges = header.tensors.map((info, i) => ({
    start: header.tensorDataOffset + info.offset,
    bytes: spec.tensors[i].data ? spec.tensors[i].data!() : pairTensorBytes(spec.tensors[i]),
  }));
  return (offset: number, size: number): Uint8Array => {
    const range = ranges.find((r) => offset >= r.start && offset + size <= r.start + r.bytes.length);
    if (!range) throw new RangeError(`no tensor holds ${size} bytes at ${offset}`);
    return range.bytes.subarray(offset - range.start, offset - range.start + size);
  };
}

/** Asserts that the published layout of `arch` with `edit` applied is refused naming its family and `problem`. */
export async function assertGbRefused(arch: GbArch, edit: (spec: PairSpec) => void, problem: RegExp): Promise<void> {
  const { ollama } = await buildGbPair(arch);
  edit(ollama);
  const family = FAMILY_OF[arch];
  assert.throws(() => translateHeader(specHeader(ollama)), (error: unknown) => {
    assert.ok(error instanceof CompatError, String(error));
    assert.equal(error.arch, family);
    assert.match(error.message, new RegExp(`Ollama-layout ${family} model`));
    assert.match(error.message, problem);
    return true;
  });
}
