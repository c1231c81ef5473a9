import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModel } from "./mod.ts";
import { fixtureModel, fixtureSkip } from "../../tests/fixtures/mod.ts";

test("embed() on a mean-pooled embedding model: unit vectors, stable, input-dependent, truncation", { skip: fixtureSkip("embed") }, async () => {
  const model = await loadModel(await fixtureModel("embed"), { embedding: true, numCtx: 256, numThread: 1 });
  try {
    const [a, b, a2] = await model.embed(["the cat sat on the mat", "quantum chromodynamics", "the cat sat on the mat"]);
    assert.equal(a.length, model.info.nEmbd);
    for (const v of [a, b]) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
    assert.deepEqual(a, a2);
    assert.notDeepEqual(a, b);
    // mean pooling: a different length of the same text changes the vector
    const [longer] = await model.embed(["the cat sat on the mat the cat sat on the mat"]);
    assert.notDeepEqual(longer, a);
    const long = "word ".repeat(400);
    const [truncated] = await model.embed([long]);
    assert.equal(truncated.length, model.info.nEmbd);
    await assert.rejects(model.embed([long], { truncate: false }), /exceeds the context length/);
  } finally {
    await model.close();
  }
});

test("loadModel() runs the generated fixtures (F32 SPM, BPE) deterministically", { skip: fixtureSkip("tiny-spm") }, async () => {
  for (const name of ["tiny-spm", "tiny-bpe"] as const) {
    const model = await loadModel(await fixtureModel(name), { numCtx: 256, numThread: 1 });
    try {
      const options = { temperature: 0, num_predict: 16 };
      const a = await model.complete("Once upon a time", { raw: true, options });
      const b = await model.complete("Once upon a time", { raw: true, options });
      assert.equal(a.tokens.length, 16);
      assert.deepEqual(a.tokens, b.tokens);
    } finally {
      await model.close();
    }
  }
});
