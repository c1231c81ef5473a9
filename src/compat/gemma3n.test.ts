import { test } from "node:test";
import assert from "node:assert/strict";
import { dropTensor } from "./_twin_test_support.ts";
import { assertGbRefused, assertGbTranslatesToTwin } from "./_gb_twin_support.ts";

test("gemma3n cuts token_embd and the tokenizer to the per-layer vocabulary, types byte pieces, adds <end_of_turn> to EOS", async () => {
  const translation = await assertGbTranslatesToTwin("gemma3n");
  const embd = translation.header.tensors.find((t) => t.name === "token_embd.weight")!;
  assert.equal(embd.produce, undefined, "row truncation reads fewer bytes from the same offset, no copy");
});

test("gemma3n refuses a token_embd with fewer rows than the per-layer embedding", async () => {
  await assertGbRefused("gemma3n", (spec) => {
    const embd = spec.tensors.find((t) => t.name === "token_embd.weight")!;
    embd.shape = [embd.shape[0], 1000];
  }, /token_embd\.weight has 1000 rows, fewer than the \d+ of per_layer_token_embd\.weight/);
});

test("gemma3n refuses a tokenizer shorter than the per-layer vocabulary", async () => {
  await assertGbRefused("gemma3n", (spec) => {
    const tokens = spec.metadata.get("tokenizer.ggml.tokens")!;
    spec.metadata.set("tokenizer.ggml.tokens", { type: tokens.type, value: (tokens.value as string[]).slice(0, 1000) });
  }, /tokenizer\.ggml\.tokens has 1000 entries, fewer than the \d+ rows of per_layer_token_embd\.weight/);
});

test("gemma3n without per_layer_token_embd carries no marker (libllama says what is missing)", async () => {
  // detection compares the two embeddings' rows, as Ollama's does: without one there is nothing to translate
  const { buildGbPair } = await import("../../tests/fixtures/compat_pairs_gemma_bert.ts");
  const { specHeader } = await import("../../tests/fixtures/compat_pairs.ts");
  const { detectFamily } = await import("./translate_header.ts");
  const { ollama } = await buildGbPair("gemma3n");
  dropTensor(ollama, "per_layer_token_embd.weight");
  assert.equal(detectFamily(specHeader(ollama)), undefined);
});
