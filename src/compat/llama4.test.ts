import { test } from "node:test";
import assert from "node:assert/strict";
import { specHeader } from "../../tests/fixtures/compat_pairs.ts";
import { textPair } from "../../tests/fixtures/compat_pairs_vision.ts";
import { HeaderEdit } from "./header_edit.ts";
import { llama4 } from "./llama4.ts";

test("llama4 hides the vision tower and projector of a monolithic file; a text-only llama4 is not touched", {
  timeout: 120_000,
}, async () => {
  const { llamaCpp, ollama } = await textPair("llama4");
  ollama.tensors.push({ name: "v.class_embedding", shape: [32], kind: "f32", seed: "v" }, {
    name: "mm.linear_1.weight",
    shape: [32, 64],
    kind: "f32",
    seed: "mm",
  });
  const file = specHeader(ollama);
  assert.ok(llama4.detect(file));
  assert.ok(!llama4.detect(specHeader(llamaCpp)), "a llama4 without v./mm. loads as it is");
  const edit = new HeaderEdit("llama4", file);
  llama4.translate(edit);
  assert.deepEqual(edit.header.tensors.map((t) => t.name), llamaCpp.tensors.map((t) => t.name));
  assert.deepEqual(edit.hidden, ["v.", "mm."]);
});
