import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHeaderRefused, assertTranslatesToTwinBytes, publishedHeader } from "./_qwen_glm_test_support.ts";
import { translateHeader } from "./translate_header.ts";

/** The first test of a run may write the twins (a few seconds each on a loaded machine). */
const TWIN_TIMEOUT = { timeout: 120_000 };

test(
  "glm4moelite translates to deepseek2 with MLA's absorbed lengths, expert groups, glm4 pre-tokenizer, EOT/EOM",
  TWIN_TIMEOUT,
  async () => {
    const t = await assertTranslatesToTwinBytes("glm4moelite");
    const get = (k: string) => t.header.metadata.get(k)?.value;
    assert.equal(get("deepseek2.attention.key_length"), 48);
    assert.equal(get("deepseek2.attention.key_length_mla"), 32);
    assert.equal(get("tokenizer.ggml.eot_token_id"), 151645);
  },
);

test("glm4moelite keeps EOT and EOM ids the file has, and takes none from a short EOS list", TWIN_TIMEOUT, async () => {
  const file = await publishedHeader("glm4moelite");
  file.metadata["tokenizer.ggml.eot_token_id"] = 7;
  file.metadata["tokenizer.ggml.eos_token_ids"] = [151643, 151645];
  const t = translateHeader(file)!;
  assert.equal(t.header.metadata.get("tokenizer.ggml.eot_token_id")?.value, 7);
  assert.equal(t.header.metadata.has("tokenizer.ggml.eom_token_id"), false);
});

test("glm4moelite refuses a file without kv_lora_rank, rope dimension count or key length", TWIN_TIMEOUT, async () => {
  await assertHeaderRefused(
    "glm4moelite",
    (f) => delete f.metadata["glm4moelite.attention.kv_lora_rank"],
    /kv_lora_rank\) is missing/,
  );
  await assertHeaderRefused(
    "glm4moelite",
    (f) => delete f.metadata["glm4moelite.rope.dimension_count"],
    /rope\.dimension_count is missing/,
  );
  await assertHeaderRefused(
    "glm4moelite",
    (f) => delete f.metadata["glm4moelite.attention.key_length"],
    /key_length is missing/,
  );
});

test("glm4moelite refuses a key length no wider than the rotary dimensions", TWIN_TIMEOUT, async () => {
  await assertHeaderRefused("glm4moelite", (f) => {
    f.metadata["glm4moelite.attention.key_length"] = 16;
  }, /key_length 16 leaves no dimensions beside the 16 rotary ones/);
});
