import { test } from "node:test";
import assert from "node:assert/strict";
import { assertRefused, assertTranslatesToTwin, dropTensor } from "./_twin_test_support.ts";

test("gemma3 injects eps and rope keys, linear x8 at 128k, truncates the tokenizer to the embedding rows, hides v./mm.", async () => {
  await assertTranslatesToTwin("gemma3");
});

test("gemma3 refuses a tokenizer shorter than the embedding rows", async () => {
  await assertRefused("gemma3", (spec) => {
    const tokens = spec.metadata.get("tokenizer.ggml.tokens")!;
    spec.metadata.set("tokenizer.ggml.tokens", { type: tokens.type, value: (tokens.value as string[]).slice(0, 1000) });
  }, /tokenizer\.ggml\.tokens has 1000 entries, fewer than the \d+ rows of token_embd\.weight/);
});

test("gemma3 refuses a file without token_embd.weight", async () => {
  await assertRefused("gemma3", (spec) => dropTensor(spec, "token_embd.weight"), /'token_embd\.weight' is missing/);
});

test("gemma3 gives a blob without a chat template a Gemma 3 one (system at the head of the first user turn)", async () => {
  const { translateHeader } = await import("./translate_header.ts");
  const { buildPair, specHeader } = await import("../../tests/fixtures/compat_pairs.ts");
  const { chatFormat } = await import("../chat_format/mod.ts");
  const { ollama } = await buildPair("gemma3");
  ollama.metadata.delete("tokenizer.chat_template");
  const template = translateHeader(specHeader(ollama))!.header.metadata.get("tokenizer.chat_template");
  assert.equal(template?.type, "string");
  const prompt = chatFormat({ jinja: template!.value as string, bosToken: "<bos>" }).render({
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: " Hi " }, { role: "assistant", content: "Hello." }, { role: "user", content: "Why?" }],
    addGenerationPrompt: true,
  });
  assert.equal(
    prompt,
    "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n" +
      "<start_of_turn>user\nWhy?<end_of_turn>\n<start_of_turn>model\n",
  );
  // a blob's own template stays
  ollama.metadata.set("tokenizer.chat_template", { type: "string", value: "{{ messages[0]['content'] }}" });
  assert.equal(translateHeader(specHeader(ollama))!.header.metadata.get("tokenizer.chat_template")?.value, "{{ messages[0]['content'] }}");
});
