import { test } from "node:test";
import assert from "node:assert/strict";
import { dropTensor } from "./_twin_test_support.ts";
import { assertGbRefused, assertGbTranslatesToTwin } from "./_gb_twin_support.ts";

test("gemma4 (dense) marks the tokenizer BPE and hides the vision/audio towers and projector", async () => {
  const translation = await assertGbTranslatesToTwin("gemma4");
  assert.deepEqual([...translation.hidden], ["a.", "v.", "mm.", "model.vision_tower."]);
});

test("gemma4 (MoE) interleaves each expert's gate and up rows into ffn_gate_up_exps and renames per_expert_scale", async () => {
  const translation = await assertGbTranslatesToTwin("gemma4moe");
  const fused = translation.header.tensors.filter((t) => t.produce);
  assert.deepEqual(fused.map((t) => t.name), ["blk.0.ffn_gate_up_exps.weight", "blk.1.ffn_gate_up_exps.weight"]);
});

test("gemma4 refuses an up stack without its gate stack", async () => {
  await assertGbRefused("gemma4moe", (spec) => dropTensor(spec, "blk.1.ffn_gate_exps.weight"), /'blk\.1\.ffn_gate_exps\.weight' is missing/);
});

test("gemma4 refuses gate and up stacks of different shapes", async () => {
  await assertGbRefused("gemma4moe", (spec) => {
    const up = spec.tensors.find((t) => t.name === "blk.0.ffn_up_exps.weight")!;
    up.shape = [64, 16, 4];
  }, /blk\.0\.ffn_gate_exps\.weight has shape \[64,32,4\], blk\.0\.ffn_up_exps\.weight \[64,16,4\]/);
});

test("gemma4 refuses a SentencePiece-marked tokenizer without BPE merges", async () => {
  await assertGbRefused("gemma4", (spec) => void spec.metadata.delete("tokenizer.ggml.merges"), /tokenizer\.ggml\.merges is missing/);
});
