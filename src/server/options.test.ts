import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveOptions } from "./options.ts";

test("resolveOptions() layers request over params over defaults, ignoring unknown keys", () => {
  const o = resolveOptions([{ temperature: 0.5, stop: ["</s>"] }, { temperature: 0, top_k: 3.9, mirostat: 2, bogus: 1 }]);
  assert.equal(o.temperature, 0);
  assert.equal(o.top_k, 3);
  assert.deepEqual(o.stop, ["</s>"]);
  assert.equal(o.top_p, 0.9);
  assert.equal(o.num_ctx, 4096);
  assert.equal("mirostat" in o || "bogus" in o, false);
});

test("resolveOptions() refuses wrong types with Ollama's messages", () => {
  assert.throws(() => resolveOptions([{ temperature: "hot" }]), /option "temperature" must be of type float32/);
  assert.throws(() => resolveOptions([{ num_ctx: true }]), /option "num_ctx" must be of type integer/);
  assert.throws(() => resolveOptions([{ stop: "x" }]), /option "stop" must be of type array/);
});

test("resolveOptions() clamps num_ctx and num_predict", () => {
  assert.equal(resolveOptions([{ num_ctx: 1e12 }]).num_ctx, 1 << 20);
  assert.equal(resolveOptions([{ num_ctx: 1e6 }], { trainedContext: 2048 }).num_ctx, 2048);
  assert.equal(resolveOptions([{ num_ctx: 1 }]).num_ctx, 4);
  assert.equal(resolveOptions([], { contextLength: 8192 }).num_ctx, 8192);
  assert.equal(resolveOptions([{ num_predict: 1e15 }]).num_predict, -1);
});
