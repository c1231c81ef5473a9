import { test } from "node:test";
import { assertRefused, assertTranslatesToTwin } from "./_twin_test_support.ts";

test("mistral3 copies the YaRN and temperature keys to llama.cpp's names, sets tekken, hides v./mm.", async () => {
  await assertTranslatesToTwin("mistral3");
});

test("mistral3 refuses a pre-tokenizer that is not a string", async () => {
  await assertRefused("mistral3", (spec) => {
    spec.metadata.set("tokenizer.ggml.pre", { type: "uint32", value: 7 });
  }, /tokenizer\.ggml\.pre is not a string/);
});
