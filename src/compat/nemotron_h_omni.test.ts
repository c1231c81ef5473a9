import { test } from "node:test";
import assert from "node:assert/strict";
import { specHeader } from "../../tests/fixtures/compat_pairs.ts";
import { buildGbPair } from "../../tests/fixtures/compat_pairs_gemma_bert.ts";
import { assertGbRefused, assertGbTranslatesToTwin } from "./_gb_twin_support.ts";
import { translateHeader } from "./translate_header.ts";

test("nemotron_h_omni runs its text side as nemotron_h_moe: text keys copied, vision/audio keys and towers left out", async () => {
  const translation = await assertGbTranslatesToTwin("nemotron_h_omni");
  assert.deepEqual([...translation.hidden], ["a.", "v.", "mm.", "mtp."]);
  const keys = [...translation.header.metadata.keys()];
  assert.ok(!keys.some((k) => k.startsWith("nemotron_h_moe.vision.") || k.startsWith("nemotron_h_moe.audio.")));
});

test("nemotron_h_omni without experts is a plain nemotron_h", async () => {
  const { ollama } = await buildGbPair("nemotron_h_omni");
  ollama.metadata.set("nemotron_h_omni.expert_count", { type: "uint32", value: 0 });
  ollama.metadata.set("nemotron_h_omni.expert_used_count", { type: "uint32", value: 0 });
  const translation = translateHeader(specHeader(ollama))!;
  assert.equal(translation.header.metadata.get("general.architecture")?.value, "nemotron_h");
  assert.equal(translation.header.metadata.get("nemotron_h.block_count")?.value, 3);
});

test("nemotron_h_omni refuses a file without block_count", async () => {
  await assertGbRefused("nemotron_h_omni", (spec) => void spec.metadata.delete("nemotron_h_omni.block_count"), /nemotron_h_omni\.block_count is missing/);
});
