import { test } from "node:test";
import assert from "node:assert/strict";
import { readGguf } from "../gguf/mod.ts";
import { buildPair, compatPair, specHeader } from "../../tests/fixtures/compat_pairs.ts";
import { assertTranslatesToTwin } from "./_twin_test_support.ts";
import { llama3 } from "./llama3.ts";

test("llama3 translates a Llama 3 blob without pre-tokenizer to its twin (llama-bpe, EOS/EOT <|eot_id|>)", async () => {
  await assertTranslatesToTwin("llama");
});

test("llama3 leaves Llama 3 files with a pre-tokenizer and <|eot_id|> EOS alone, and other vocabularies", async () => {
  const { llamaCpp, ollama } = await buildPair("llama");
  assert.equal(llama3.detect(specHeader(llamaCpp)), false);
  // EOS 128001 alone is a marker too (a pre-tokenizer was written, EOS was not fixed)
  ollama.metadata.set("tokenizer.ggml.pre", { type: "string", value: "llama-bpe" });
  assert.equal(llama3.detect(specHeader(ollama)), true);
  ollama.metadata.set("tokenizer.ggml.eos_token_id", { type: "uint32", value: 128009 });
  assert.equal(llama3.detect(specHeader(ollama)), false);
  const { ollama: gemma } = await buildPair("gemma3");
  gemma.metadata.set("general.architecture", { type: "string", value: "llama" });
  assert.equal(llama3.detect(specHeader(gemma)), false);
});

test("llama3.mayMatch() decides from a header read without its long arrays", async () => {
  const { llamaCpp, ollama } = await compatPair("llama");
  assert.equal(llama3.mayMatch!(await readGguf(ollama, { maxArrayElements: 64 })), true);
  assert.equal(llama3.mayMatch!(await readGguf(llamaCpp, { maxArrayElements: 64 })), false);
});
