import { test } from "node:test";
import assert from "node:assert/strict";
import { specHeader } from "../../tests/fixtures/compat_pairs.ts";
import { buildGbPair } from "../../tests/fixtures/compat_pairs_gemma_bert.ts";
import { assertGbRefused, assertGbTranslatesToTwin } from "./_gb_twin_support.ts";
import { detectFamily } from "./translate_header.ts";

test("bert (Snowflake) decodes the base64-spelled precompiled_charsmap to its bytes", async () => {
  await assertGbTranslatesToTwin("bert");
});

test("a bert with a WordPiece tokenizer, or its charsmap already bytes, carries no marker", async () => {
  const { ollama } = await buildGbPair("bert");
  ollama.metadata.set("tokenizer.ggml.model", { type: "string", value: "bert" });
  assert.equal(detectFamily(specHeader(ollama)), undefined);
});

const setCharsmap = (value: string[]) => (spec: { metadata: Map<string, { type: string; value: unknown }> }) =>
  void spec.metadata.set("tokenizer.ggml.precompiled_charsmap", { type: "array<string>", value });

test("bert refuses a charsmap entry that is not one character", async () => {
  await assertGbRefused("bert", (spec) => {
    const chars = spec.metadata.get("tokenizer.ggml.precompiled_charsmap")!.value as string[];
    setCharsmap([...chars.slice(0, 5), "AB", ...chars.slice(5)])(spec as never);
  }, /precompiled_charsmap entry 5 is "AB", not one base64 character/);
});

test("bert refuses a charsmap that is not base64, or too short for its own table", async () => {
  await assertGbRefused("bert", (spec) => setCharsmap(["*", "*", "*", "*"])(spec as never), /precompiled_charsmap is not base64 text/);
  await assertGbRefused("bert", (spec) => setCharsmap([..."AAQAAA=="])(spec as never), /decodes to 4 bytes, too few for its table of 1024 bytes/);
});
