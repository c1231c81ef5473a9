import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHeaderRefused, assertTranslatesToTwinBytes, publishedHeader } from "./_qwen_glm_test_support.ts";
import { detectFamily, translateHeader } from "./translate_header.ts";

/** The first test of a run may write the twins (a few seconds each on a loaded machine). */
const TWIN_TIMEOUT = { timeout: 120_000 };

test("laguna translates: sliding-window RoPE keys flattened, attn_g → attn_gate", TWIN_TIMEOUT, async () => {
  const t = await assertTranslatesToTwinBytes("laguna");
  assert.equal(t.header.metadata.get("laguna.rope.dimension_count_swa")?.value, 32);
});

test("laguna is detected by an attn_g tensor alone, and accepts a per-element gate", TWIN_TIMEOUT, async () => {
  const file = await publishedHeader("laguna");
  delete file.metadata["laguna.rope.swa.dimension_count"];
  delete file.metadata["laguna.rope.swa.freq_base"];
  assert.equal(detectFamily(file)?.name, "laguna");
  file.tensors.find((x) => x.name === "blk.0.attn_g.weight")!.shape = [64, 64];
  assert.ok(translateHeader(file)!.header.tensors.some((x) => x.name === "blk.0.attn_gate.weight"));
});

test(
  "laguna refuses a gate neither per head nor per element (libllama would abort the process)",
  TWIN_TIMEOUT,
  async () => {
    await assertHeaderRefused("laguna", (f) => {
      f.tensors.find((x) => x.name === "blk.0.attn_g.weight")!.shape = [64, 4];
    }, /'blk\.0\.attn_gate\.weight' has shape \[64,4\], expected \[64, 2 or 64\]/);
  },
);
