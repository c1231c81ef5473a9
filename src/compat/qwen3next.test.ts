import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHeaderRefused, assertTranslatesToTwinBytes, publishedHeader } from "./_qwen_glm_test_support.ts";
import { detectFamily, translateHeader } from "./translate_header.ts";

/** The first test of a run may write the twins (a few seconds each on a loaded machine). */
const TWIN_TIMEOUT = { timeout: 120_000 };

test("qwen3next translates to llama.cpp's layout: one KV-head count, ssm_dt.bias", TWIN_TIMEOUT, async () => {
  const t = await assertTranslatesToTwinBytes("qwen3next");
  assert.equal(t.header.metadata.get("qwen3next.attention.head_count_kv")?.type, "uint32");
  assert.deepEqual(t.hidden, []);
});

test("qwen3next is detected by an ssm_dt tensor only", TWIN_TIMEOUT, async () => {
  const file = await publishedHeader("qwen3next");
  file.tensors = file.tensors.map((x) => x.name.endsWith(".ssm_dt") ? { ...x, name: `${x.name}.bias` } : x);
  assert.equal(detectFamily(file), undefined);
});

test("qwen3next keeps an all-zero KV-head array (no fallback, unlike Qwen 3.5)", TWIN_TIMEOUT, async () => {
  const file = await publishedHeader("qwen3next");
  file.metadata["qwen3next.attention.head_count_kv"] = [0, 0];
  assert.deepEqual(translateHeader(file)!.header.metadata.get("qwen3next.attention.head_count_kv")?.value, [0, 0]);
});

test("qwen3next refuses a KV-head array of strings", TWIN_TIMEOUT, async () => {
  await assertHeaderRefused("qwen3next", (f) => {
    f.metadata["qwen3next.attention.head_count_kv"] = ["1"];
  }, /head_count_kv is not an array of numbers/);
});
