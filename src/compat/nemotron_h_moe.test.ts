import { test } from "node:test";
import assert from "node:assert/strict";
import { dropTensor } from "./_twin_test_support.ts";
import { assertGbRefused, assertGbTranslatesToTwin } from "./_gb_twin_support.ts";

test("nemotron_h_moe renames the latent projections, injects moe_latent_size from them, hides the MTP head", async () => {
  const translation = await assertGbTranslatesToTwin("nemotron_h_moe");
  assert.deepEqual([...translation.hidden], ["mtp."]);
});

test("nemotron_h_moe refuses a latent projection without its way back", async () => {
  await assertGbRefused("nemotron_h_moe", (spec) => dropTensor(spec, "blk.2.ffn_latent_out.weight"), /'blk\.2\.ffn_latent_out\.weight' is missing/);
});

test("nemotron_h_moe refuses latent projections of two widths", async () => {
  await assertGbRefused("nemotron_h_moe", (spec) => {
    spec.tensors.find((t) => t.name === "blk.2.ffn_latent_out.weight")!.shape = [16, 64];
  }, /blk\.2\.ffn_latent_in\.weight has shape \[64,32\] but blk\.2\.ffn_latent_out\.weight \[16,64\]/);
});
