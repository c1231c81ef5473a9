import { test } from "node:test";
import assert from "node:assert/strict";
import { specHeader } from "../../tests/fixtures/compat_pairs.ts";
import { buildGbPair } from "../../tests/fixtures/compat_pairs_gemma_bert.ts";
import { dropTensor } from "./_twin_test_support.ts";
import { assertGbRefused, assertGbTranslatesToTwin } from "./_gb_twin_support.ts";
import { detectFamily } from "./translate_header.ts";

test("embeddinggemma becomes gemma-embedding: keys copied, causal flag and layer pattern dropped, dense.0/1 → dense_2/3", async () => {
  await assertGbTranslatesToTwin("embeddinggemma");
});

test("embeddinggemma is told apart from gemma3 by dense.0.weight alone", async () => {
  const { ollama } = await buildGbPair("embeddinggemma");
  dropTensor(ollama, "dense.0.weight");
  dropTensor(ollama, "dense.1.weight");
  // without the projection it is a plain text gemma3 of the published kind (rope.local.freq_base)
  assert.equal(detectFamily(specHeader(ollama))?.name, "gemma3");
});

test("embeddinggemma refuses a projection that does not start and end at embedding_length (libllama would abort)", async () => {
  await assertGbRefused("embeddinggemma", (spec) => {
    spec.tensors.find((t) => t.name === "dense.1.weight")!.shape = [256, 32];
  }, /dense\.1\.weight has shape \[256,32\], expected 64 outputs/);
  await assertGbRefused("embeddinggemma", (spec) => {
    spec.tensors.find((t) => t.name === "dense.0.weight")!.shape = [64, 128];
  }, /dense\.0\.weight's 128 outputs are not dense\.1\.weight's 256 inputs/);
});

test("embeddinggemma refuses a file without dense.1.weight", async () => {
  await assertGbRefused("embeddinggemma", (spec) => dropTensor(spec, "dense.1.weight"), /'dense\.1\.weight' is missing/);
});
