import { test } from "node:test";
import assert from "node:assert/strict";
import { samplingOptions } from "./options.ts";

test("samplingOptions() keeps int32 and float fields in libllama's ranges", () => {
  assert.equal(samplingOptions({ top_k: 2 ** 31 }).topK, 2 ** 31 - 1);
  assert.equal(samplingOptions({ top_k: -(2 ** 31) - 1 }).topK, 0);
  assert.equal(samplingOptions({ top_k: 1e300 }).topK, 2 ** 31 - 1);
  assert.equal(samplingOptions({ top_k: 3.7 }).topK, 3);
  // repeat_last_n sizes a ring buffer up front: never beyond the context
  assert.equal(samplingOptions({ repeat_last_n: 2 ** 31 - 1 }, undefined, 2048).repeatLastN, 2048);
  assert.equal(samplingOptions({ repeat_last_n: -1 }, undefined, 2048).repeatLastN, 2048);
  assert.equal(samplingOptions({ repeat_last_n: -1 }).repeatLastN, -1);
  assert.equal(samplingOptions({ repeat_last_n: -5 }, undefined, 2048).repeatLastN, 0);
  assert.equal(samplingOptions({ repeat_last_n: 1e30 }).repeatLastN, 2 ** 31 - 1);
  assert.equal(samplingOptions({ repeat_last_n: 64 }, undefined, 2048).repeatLastN, 64);
  // libllama wants repeat_penalty > 0 and finite penalties
  assert.equal(samplingOptions({ repeat_penalty: 0 }).repeatPenalty, 1);
  assert.equal(samplingOptions({ repeat_penalty: -2 }).repeatPenalty, 1);
  assert.equal(samplingOptions({ repeat_penalty: 1.1 }).repeatPenalty, 1.1);
  assert.equal(samplingOptions({ temperature: NaN, presence_penalty: Infinity }).temperature, 0.8);
  assert.equal(samplingOptions({ presence_penalty: Infinity }).presencePenalty, 0);
});
