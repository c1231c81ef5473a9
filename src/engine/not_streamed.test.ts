// `stream: false`: the worker holds the text and sends it as one chunk before the end — the same text, logprobs and
// stop handling as a streamed run, without a message per token to the main thread.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModel } from "./mod.ts";
import { fixtureModel, fixtureSkip } from "../../tests/fixtures/mod.ts";

const skip = fixtureSkip("tiny-spm");
const greedy = { temperature: 0, num_predict: 24, seed: 1 };

test("generate({ stream: false }) gives one chunk with the streamed run's text, logprobs and timings", { skip }, async () => {
  await using model = await loadModel(await fixtureModel("tiny-spm"), { numCtx: 512, numThread: 1 });
  const run = async (stream: boolean, extra: Record<string, unknown> = {}) => {
    const chunks = [];
    for await (const chunk of model.generate("The quick brown fox", { raw: true, stream, options: greedy, ...extra })) chunks.push(chunk);
    return chunks;
  };
  const streamed = await run(true, { logprobs: true, topLogprobs: 2 });
  const whole = await run(false, { logprobs: true, topLogprobs: 2 });
  const text = (chunks: typeof streamed) => chunks.map((c) => c.text).join("");
  assert.ok(streamed.filter((c) => !c.done).length > 1, "a streamed run sends many chunks");
  assert.equal(whole.filter((c) => !c.done).length, 1, "a run not streamed sends its text once");
  assert.equal(text(whole), text(streamed));
  assert.deepEqual(whole.flatMap((c) => c.logprobs ?? []), streamed.flatMap((c) => c.logprobs ?? []));
  const [a, b] = [streamed.at(-1)!, whole.at(-1)!];
  assert.deepEqual(b.tokens, a.tokens);
  assert.equal(b.doneReason, a.doneReason);
  assert.equal(b.timings!.evalCount, a.timings!.evalCount);

  // a stop sequence ends the held text where it ends the streamed one
  const stop = text(streamed).trim().split(/\s+/)[2];
  const [s1, s2] = [await run(true, { options: { ...greedy, stop: [stop] } }), await run(false, { options: { ...greedy, stop: [stop] } })];
  assert.equal(text(s2), text(s1));
  assert.equal(s2.at(-1)!.doneReason, "stop");

  // complete() does not stream by default, and gives the same text
  const completed = await model.complete("The quick brown fox", { raw: true, options: greedy });
  assert.equal(completed.text, text(streamed));
});
