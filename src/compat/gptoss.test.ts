import { test } from "node:test";
import { assertRefused, assertTranslatesToTwin, dropTensor } from "./_twin_test_support.ts";

test("gptoss translates to gpt-oss: keys, expert FFN length from ffn_gate_exps, yarn, gpt-4o, three tensor names", async () => {
  await assertTranslatesToTwin("gptoss");
});

test("gptoss refuses a file without blk.0.ffn_gate_exps.weight (the expert FFN length cannot be known)", async () => {
  await assertRefused("gptoss", (spec) => dropTensor(spec, "blk.0.ffn_gate_exps.weight"), /'blk\.0\.ffn_gate_exps\.weight' is missing/);
});

test("gptoss refuses a 2-D ffn_gate_exps", async () => {
  await assertRefused("gptoss", (spec) => {
    spec.tensors.find((t) => t.name === "blk.0.ffn_gate_exps.weight")!.shape = [64, 128];
  }, /shape \[64,128\], expected 3 dimensions/);
});
