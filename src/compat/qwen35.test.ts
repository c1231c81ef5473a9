import { test } from "node:test";
import assert from "node:assert/strict";
import { GGML_TYPE } from "../gguf/mod.ts";
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
  "qwen35 translates to llama.cpp's layout: KV heads, 4 M-RoPE sections, ssm_dt.bias, MTP as blk.2 with norms +1 in F32",
  TWIN_TIMEOUT,
  async () => {
    const t = await assertTranslatesToTwinBytes("qwen35");
    assert.equal(t.header.metadata.get("qwen35.nextn_predict_layers")?.value, 1);
    assert.deepEqual(t.hidden, ["v.", "mm.", "mtp."]);
    // the F16 pre-fc norm is now F32 holding value + 1
    const enorm = t.header.tensors.find((x) => x.name === "blk.2.nextn.enorm.weight")!;
    assert.equal(enorm.type, GGML_TYPE.F32);
    assert.equal(enorm.size, 64 * 4);
  },
);

test("qwen35moe merges the per-expert MTP weights into blk.2.ffn_*_exps (expert 0 first)", TWIN_TIMEOUT, async () => {
  const t = await assertTranslatesToTwinBytes("qwen35moe");
  for (const [name, shape] of [["gate", [64, 32, 4]], ["up", [64, 32, 4]], ["down", [32, 64, 4]]] as const) {
    const merged = t.header.tensors.find((x) => x.name === `blk.2.ffn_${name}_exps.weight`)!;
    assert.deepEqual(merged.shape, shape);
    assert.equal(merged.type, GGML_TYPE.Q8_0);
  }
  assert.equal(t.header.tensors.filter((x) => x.name.includes("mlp.experts")).length, 0);
});

test("qwen35 without an MTP block or vision tower is still detected by its published keys", TWIN_TIMEOUT, async () => {
  const file = await publishedHeader("qwen35");
  file.tensors = file.tensors.filter((t) => !t.name.startsWith("mtp.") && !/^(v|mm)\./.test(t.name));
  const t = translateHeader(file)!;
  assert.equal(t.family, "qwen35");
  assert.equal(t.header.metadata.get("qwen35.block_count")?.value, 2);
  assert.equal(t.header.metadata.has("qwen35.nextn_predict_layers"), false);
});

test("qwen35moe refuses MTP experts with a gap in their numbering", TWIN_TIMEOUT, async () => {
  await assertHeaderRefused(
    "qwen35moe",
    (f) => dropTensors(f, /^mtp\.layers\.0\.mlp\.experts\.1\.up_proj/),
    /MTP layer 0 has no expert 1 up_proj\.weight/,
  );
});

test("qwen35moe refuses MTP experts whose shapes differ", TWIN_TIMEOUT, async () => {
  await assertHeaderRefused("qwen35moe", (f) => {
    const t = f.tensors.find((x) => x.name === "mtp.layers.0.mlp.experts.2.gate_proj.weight")!;
    t.shape = [32, 64];
  }, /experts\.2\.gate_proj\.weight' is Q8_0 \[32,64\], unlike 'mtp\.layers\.0\.mlp\.experts\.0\.gate_proj\.weight'/);
});

test("qwen35moe refuses an MTP layer with gate and up experts but no down experts", TWIN_TIMEOUT, async () => {
  await assertHeaderRefused(
    "qwen35moe",
    (f) => dropTensors(f, /down_proj/),
    /MTP layer 0 has expert gate_proj\.weight, up_proj\.weight but no down_proj\.weight/,
  );
});

test("qwen35 refuses an MTP norm in a type it cannot shift", TWIN_TIMEOUT, async () => {
  await assertHeaderRefused("qwen35", (f) => {
    const t = f.tensors.find((x) => x.name === "mtp.norm.weight")!;
    t.type = GGML_TYPE.Q4_K;
  }, /'blk\.2\.nextn\.shared_head_norm\.weight' is Q4_K, which cannot be shifted to F32/);
});

test("qwen35 refuses a tensor that ends past the end of the file", TWIN_TIMEOUT, async () => {
  await assertHeaderRefused("qwen35", (f) => void (f.fileSize -= 4096), /past the end of the file/);
});

test("qwen35 refuses a KV-head array of strings", TWIN_TIMEOUT, async () => {
  await assertHeaderRefused("qwen35", (f) => {
    f.metadata["qwen35.attention.head_count_kv"] = ["a", "b"];
  }, /qwen35\.attention\.head_count_kv is not an array of numbers/);
});
