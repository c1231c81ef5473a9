import { test } from "node:test";
import assert from "node:assert/strict";
import { contextSizes } from "./context.ts";

test("contextSizes() keeps libllama's constraints: n_batch ≥ n_seq_max, n_ubatch ≤ n_batch ≤ n_ctx, n_ctx in uint32", () => {
  // a batch below the sequences aborted the process (llama_context's output_reserve asserts n_seq_max ≤ n_batch)
  for (const nBatch of [1, 1.5, 3, 0, -7, NaN]) {
    const s = contextSizes(2048, { nCtx: 512, nSeqMax: 4, nBatch });
    assert.ok(Number.isInteger(s.nBatch) && s.nBatch >= 4, `nBatch ${nBatch} → ${s.nBatch}`);
    assert.ok(s.nUbatch >= 4 && s.nUbatch <= s.nBatch);
  }
  assert.deepEqual(contextSizes(2048, { nCtx: 512, nSeqMax: 4 }), { nCtx: 2048, nBatch: 512, nUbatch: 512, nSeqMax: 4 });
  assert.equal(contextSizes(2048, { nCtx: 512, nSeqMax: 4, nBatch: 1e30 }).nBatch, 2048);
  assert.equal(contextSizes(2048, { nCtx: 100, nSeqMax: 1, nBatch: 64, nUbatch: 1e9 }).nUbatch, 64);
  // num_ctx: 0 is the trained length, the trained length caps it, and an unknown one leaves it within uint32
  assert.equal(contextSizes(2048, { nCtx: 0 }).nCtx, 2048);
  assert.equal(contextSizes(2048, { nCtx: 1e30 }).nCtx, 2048);
  assert.equal(contextSizes(2048, { nCtx: -5 }).nCtx, 1);
  const unknown = contextSizes(0, { nCtx: 1e30, nSeqMax: 4 });
  assert.ok(unknown.nCtx + 256 * 4 <= 2 ** 31 && unknown.nCtx % 4 === 0);
  assert.equal(contextSizes(2048, { nCtx: 2047.9 }).nCtx, 2047);
  assert.throws(() => contextSizes(2048, { nSeqMax: 257 }), RangeError);
  assert.throws(() => contextSizes(2048, { nSeqMax: 0 }), RangeError);
});
