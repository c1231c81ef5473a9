import { test } from "node:test";
import assert from "node:assert/strict";
import { specHeader } from "../../tests/fixtures/compat_pairs.ts";
import { textPair } from "../../tests/fixtures/compat_pairs_vision.ts";
import { CompatError } from "./compat_error.ts";
import { HeaderEdit } from "./header_edit.ts";
import { qwen25vl } from "./qwen25vl.ts";

async function translated(edit?: (metadata: Map<string, unknown>) => void) {
  const { llamaCpp, ollama } = await textPair("qwen25vl");
  edit?.(ollama.metadata);
  const file = specHeader(ollama);
  assert.ok(qwen25vl.detect(file));
  assert.ok(!qwen25vl.detect(specHeader(llamaCpp)), "the llama.cpp twin must take today's path");
  const header = new HeaderEdit("qwen25vl", file);
  qwen25vl.translate(header);
  return { header, twin: llamaCpp };
}

test(
  "qwen25vl becomes qwen2vl: keys copied, M-RoPE sections padded to four, v./mm. hidden",
  { timeout: 120_000 },
  async () => {
    const { header, twin } = await translated();
    for (const [key, { value }] of twin.metadata) {
      assert.deepEqual(header.get(key), value, key);
    }
    const extra = [...header.header.metadata.keys()].filter((k) => !twin.metadata.has(k));
    assert.ok(extra.every((k) => k.startsWith("qwen25vl.") || k === "qwen2vl.rope.mrope_section"), extra.join());
    assert.deepEqual(
      header.header.tensors.map((t) => [t.name, t.shape.join()]),
      twin.tensors.map((t) => [t.name, t.shape.join()]),
    );
    assert.deepEqual(header.hidden, ["v.", "mm."]);
  },
);

test("qwen25vl refuses a file without its M-RoPE sections, naming qwen25vl", { timeout: 120_000 }, async () => {
  await assert.rejects(translated((m) => m.delete("qwen25vl.rope.mrope_section")), (error: unknown) => {
    assert.ok(error instanceof CompatError);
    assert.equal(error.arch, "qwen25vl");
    assert.match(error.message, /mrope_section is missing/);
    return true;
  });
});
