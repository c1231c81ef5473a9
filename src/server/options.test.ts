import { test } from "node:test";
import assert from "node:assert/strict";
import { maxThreadCount } from "../engine/mod.ts";
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

test("resolveOptions() clamps whole numbers to what libllama holds (issue 19)", () => {
  const cores = maxThreadCount();
  const o = (options: Record<string, unknown>, trainedContext?: number) => resolveOptions([options], { trainedContext });
  // num_batch at least 1 (a batch below the parallel sequences aborted libllama; the engine raises it to those)
  assert.equal(o({ num_batch: 0 }).num_batch, 1);
  assert.equal(o({ num_batch: -7 }).num_batch, 1);
  assert.equal(o({ num_batch: 1.5 }).num_batch, 1);
  assert.equal(o({ num_batch: 1e30 }).num_batch, 1 << 20);
  // num_thread: 0 or less is auto, more than the CPUs is all of them
  assert.equal(o({ num_thread: -5 }).num_thread, 0);
  assert.equal(o({ num_thread: 1000 }).num_thread, cores);
  assert.equal(o({ num_thread: 2 ** 31 }).num_thread, cores);
  assert.equal(o({ num_thread: 1 }).num_thread, 1);
  // int32 sampler fields
  assert.equal(o({ top_k: 2 ** 31 }).top_k, 2 ** 31 - 1);
  assert.equal(o({ top_k: -(2 ** 31) - 1 }).top_k, 0);
  assert.equal(o({ top_k: 7 }).top_k, 7);
  assert.equal(o({ repeat_last_n: 2 ** 31 - 1, num_ctx: 2048 }).repeat_last_n, 2048);
  assert.equal(o({ repeat_last_n: -1 }).repeat_last_n, -1);
  assert.equal(o({ repeat_last_n: -5 }).repeat_last_n, 0);
  assert.equal(o({ num_keep: 1e30, num_ctx: 512 }).num_keep, 512);
  assert.equal(o({ num_keep: -1e30 }).num_keep, -1);
  assert.equal(o({ main_gpu: 1e30, num_gpu: -1e30 }).main_gpu, 2 ** 31 - 1);
  assert.equal(o({ main_gpu: 1e30, num_gpu: -1e30 }).num_gpu, -(2 ** 31));
  assert.equal(o({ num_ctx: 4294967296 }, 2048).num_ctx, 2048);
  assert.equal(o({ num_ctx: -5 }).num_ctx, 4);
  assert.equal(o({ seed: 2 ** 64 }).seed, 2 ** 64); // the sampler takes it modulo 2^32, as Go's uint32() does
});

test("resolveOptions() refuses a float no float32 holds with Ollama's message", () => {
  assert.throws(() => resolveOptions([{ temperature: Infinity }]), /option "temperature" must be of type float32/);
  assert.throws(() => resolveOptions([{ top_p: 1e39 }]), /option "top_p" must be of type float32/);
});
