import { test } from "node:test";
import { assertRefused, assertTranslatesToTwin } from "./_twin_test_support.ts";

test("qwen3vl adds the M-RoPE sections and the deepstack layer count, hides v./mm.", async () => {
  await assertTranslatesToTwin("qwen3vl");
});

test("qwen3vl refuses a head dimension below the 64 rotary dims of its sections (ggml would assert)", async () => {
  await assertRefused("qwen3vl", (spec) => {
    spec.metadata.set("qwen3vl.attention.head_count", { type: "uint32", value: 4 });
  }, /head dimension 32 is below the 64 rotary dimensions/);
});

test("qwen3vl refuses as many deepstack layers as blocks (ggml would assert at the first decode)", async () => {
  await assertRefused("qwen3vl", (spec) => {
    spec.metadata.set("qwen3vl.vision.deepstack_visual_indexes", { type: "array<int32>", value: [5, 11] });
  }, /2 deepstack layers for 2 blocks \(at most 1\)/);
});
