import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assertHeaderRefused,
  assertTranslatesToTwinBytes,
  dropTensors,
  publishedHeader,
} from "./_qwen_glm_test_support.ts";
import { translateHeader } from "./translate_header.ts";

/** The first test of a run may write the twins (a few seconds each on a loaded machine). */
const TWIN_TIMEOUT = { timeout: 120_000 };

test(
  "glmocr translates to glm4: keys, 4 M-RoPE sections, rope dims, chatglm-bpe, names, gate+up fused (gate first)",
  TWIN_TIMEOUT,
  async () => {
    const t = await assertTranslatesToTwinBytes("glmocr");
    const up = t.header.tensors.find((x) => x.name === "blk.0.ffn_up.weight")!;
    assert.deepEqual(up.shape, [64, 192]);
    assert.ok(up.produce);
    assert.equal(t.header.tensors.some((x) => x.name.endsWith(".ffn_gate.weight")), false);
    assert.deepEqual(t.hidden, ["v.", "mm."]);
  },
);

test(
  "glmocr keeps a written rope.dimension_count and leaves a file without a pre-tokenizer without one",
  TWIN_TIMEOUT,
  async () => {
    const file = await publishedHeader("glmocr");
    file.metadata["glmocr.rope.dimension_count"] = 16;
    delete file.metadata["tokenizer.ggml.pre"];
    const t = translateHeader(file)!;
    assert.equal(t.header.metadata.get("glm4.rope.dimension_count")?.value, 16);
    assert.equal(t.header.metadata.has("tokenizer.ggml.pre"), false);
  },
);

test("glmocr refuses a block with ffn_up but no ffn_gate", TWIN_TIMEOUT, async () => {
  await assertHeaderRefused(
    "glmocr",
    (f) => dropTensors(f, /^blk\.0\.ffn_gate\.weight$/),
    /block 0 has ffn_up but no ffn_gate/,
  );
});

test("glmocr refuses gate and up of different types", TWIN_TIMEOUT, async () => {
  await assertHeaderRefused("glmocr", (f) => {
    const gate = f.tensors.find((x) => x.name === "blk.1.ffn_gate.weight")!;
    gate.type = 1; // F16: half the bytes, still inside the file
  }, /'blk\.1\.ffn_up\.weight' is F32 \[64,96\], unlike 'blk\.1\.ffn_gate\.weight' \(F16 \[64,96\]\)/);
});
