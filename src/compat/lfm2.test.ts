import { test } from "node:test";
import { assertRefused, assertTranslatesToTwin, dropTensor } from "./_twin_test_support.ts";

test("lfm2 renames output_norm to token_embd_norm, sets the lfm2 pre-tokenizer and the FFN length of the tensors", async () => {
  await assertTranslatesToTwin("lfm2");
});

test("lfm2 refuses a file without blk.0.ffn_gate.weight", async () => {
  await assertRefused("lfm2", (spec) => dropTensor(spec, "blk.0.ffn_gate.weight"), /'blk\.0\.ffn_gate\.weight' is missing/);
});
