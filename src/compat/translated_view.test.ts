import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPair, specHeader } from "../../tests/fixtures/compat_pairs.ts";
import { translatedView } from "./translated_view.ts";

test("translatedView() shows a published gemma3 blob with llama.cpp's keys and tensors, and a twin as it is", async () => {
  const { llamaCpp, ollama } = await buildPair("gemma3");
  const twin = specHeader(llamaCpp);
  assert.equal(translatedView(twin), twin);
  const view = translatedView(specHeader(ollama));
  assert.equal(view.metadata["gemma3.attention.layer_norm_rms_epsilon"], 1e-6);
  assert.equal(view.metadataTypes["gemma3.attention.layer_norm_rms_epsilon"], "float32");
  assert.deepEqual(view.tensors.map((t) => [t.name, t.shape, t.offset]), twin.tensors.map((t) => [t.name, t.shape, t.offset]));
  assert.equal((view.metadata["tokenizer.ggml.tokens"] as string[]).length, twin.tensors[0].shape[1]);
});
