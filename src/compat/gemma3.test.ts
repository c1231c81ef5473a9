import { test } from "node:test";
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
