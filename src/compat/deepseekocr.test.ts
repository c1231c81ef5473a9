import { test } from "node:test";
import assert from "node:assert/strict";
import { specHeader } from "../../tests/fixtures/compat_pairs.ts";
import { deepseekocrText } from "../../tests/fixtures/compat_pairs_vision.ts";
import { CompatError } from "./compat_error.ts";
import { HeaderEdit } from "./header_edit.ts";
import { deepseekocr } from "./deepseekocr.ts";

test(
  "deepseekocr becomes deepseek2-ocr: keys renamed, eps injected, expert width and shared count from the shapes, s./v./mm. hidden",
  { timeout: 120_000 },
  async () => {
    const { llamaCpp, ollama } = await deepseekocrText();
    const file = specHeader(ollama);
    assert.ok(deepseekocr.detect(file));
    assert.ok(!deepseekocr.detect(specHeader(llamaCpp)));
    const edit = new HeaderEdit("deepseekocr", file);
    deepseekocr.translate(edit);
    for (const [key, { value }] of llamaCpp.metadata) assert.deepEqual(edit.get(key), value, key);
    const extra = [...edit.header.metadata.keys()].filter((k) => !llamaCpp.metadata.has(k));
    assert.deepEqual(extra, ["deepseek2-ocr.vision.block_count", "deepseek2-ocr.sam.block_count"]);
    assert.deepEqual(edit.header.tensors.map((t) => t.name), llamaCpp.tensors.map((t) => t.name));
    assert.deepEqual(edit.hidden, ["s.", "v.", "mm."]);
  },
);

test(
  "deepseekocr refuses a shared expert that is not whole experts wide, naming deepseekocr",
  { timeout: 120_000 },
  async () => {
    const { ollama } = await deepseekocrText();
    ollama.tensors.find((t) => t.name === "blk.1.ffn_down_shexp.weight")!.shape = [48, 64];
    assert.throws(() => deepseekocr.translate(new HeaderEdit("deepseekocr", specHeader(ollama))), (error: unknown) => {
      assert.ok(error instanceof CompatError);
      assert.equal(error.arch, "deepseekocr");
      assert.match(error.message, /48 wide, not a multiple of the expert width 32/);
      return true;
    });
  },
);
