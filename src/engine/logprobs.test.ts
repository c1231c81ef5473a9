import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Batch, Context, Llama, Model } from "../llama/mod.ts";
import { config } from "../config.ts";
import { logSumExp, StepLogprobs, topIds } from "./logprobs.ts";
import { type LoadedModel, loadModel } from "./mod.ts";
import { referenceModel } from "../../tests/helpers/llama_models.ts";

const spmPath = referenceModel("tiny-spm");
const skip = spmPath ? false : "reference models missing (/work/shared/models)";

test("topIds keeps the N largest, largest first, lower id first on ties", () => {
  const logits = new Float32Array([0.5, 3, -1, 3, 2, 7, 0]);
  assert.deepEqual(topIds(logits, 3), [5, 1, 3]);
  assert.deepEqual(topIds(logits, 0), []);
  assert.deepEqual(topIds(logits, 20), [5, 1, 3, 4, 0, 6, 2]);
});

test("logSumExp is stable for large logits", () => {
  const lse = logSumExp(new Float32Array([1000, 1000]));
  assert.ok(Math.abs(lse - (1000 + Math.log(2))) < 1e-9);
});

let model: LoadedModel;
before(async () => {
  if (skip) return;
  model = await loadModel(spmPath!, { numCtx: 512, numThread: 1, numParallel: 1 });
});
after(async () => await model?.close());

test("logprobs match a direct log-softmax of llama_get_logits_ith", { skip }, async () => {
  const prompt = "The capital of France is";
  const result = model.generate(prompt, {
    raw: true,
    logprobs: true,
    topLogprobs: 5,
    options: { temperature: 0, num_predict: 1 },
  });
  const entries = [];
  for await (const chunk of result) entries.push(...chunk.logprobs ?? []);
  assert.equal(entries.length, 1);
  const first = entries[0];

  // the same prompt straight through libllama on this thread
  const llama = await Llama.open({ libDir: config.llamaLibDir(), debugLevel: 0 });
  const direct = Model.load(llama, spmPath!);
  try {
    const context: Context = direct.createContext({ nCtx: 512, nThreads: 1 });
    const tokens = direct.vocab.tokenize(prompt, { addSpecial: true, parseSpecial: true });
    const batch = new Batch(llama.ffi, 512, 1);
    batch.fill(tokens, 0, 0);
    context.decode(batch);
    const logits = context.logits(batch.length - 1);
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    let sum = 0;
    for (const v of logits) sum += Math.exp(v - max);
    const lse = max + Math.log(sum);
    const best = topIds(logits, 1)[0];
    assert.equal(first.token, new TextDecoder().decode(direct.vocab.piece(best, true)));
    assert.ok(Math.abs(first.logprob - (logits[best] - lse)) < 1e-3, `${first.logprob} vs ${logits[best] - lse}`);
    // the top list is the best five, each matching the direct figure, and their probabilities sum to at most 1
    const step = new StepLogprobs(logits, 5);
    const expected = step.entry(direct, best).top!;
    assert.deepEqual(first.top!.map((t) => t.token), expected.map((t) => t.token));
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(first.top![i].logprob - expected[i].logprob) < 1e-3);
    const mass = first.top!.reduce((s, t) => s + Math.exp(t.logprob), 0);
    assert.ok(mass <= 1 + 1e-6 && mass > 0);
    batch.close();
  } finally {
    direct.close();
  }
});

test("greedy: every chosen token is the top-1 of its step and logprobs are ≤ 0", { skip }, async () => {
  const entries = [];
  let text = "";
  for await (
    const chunk of model.generate("Once upon a time", {
      raw: true,
      logprobs: true,
      topLogprobs: 3,
      options: { temperature: 0, num_predict: 12 },
    })
  ) {
    entries.push(...chunk.logprobs ?? []);
    text += chunk.text;
  }
  assert.equal(entries.length, 12);
  assert.equal(entries.map((e) => e.token).join("").trimStart(), text.trimStart());
  for (const e of entries) {
    assert.ok(e.logprob <= 0);
    assert.equal(e.top!.length, 3);
    assert.equal(e.top![0].token, e.token);
    assert.equal(e.top![0].logprob, e.logprob);
    assert.ok(e.top![0].logprob >= e.top![1].logprob && e.top![1].logprob >= e.top![2].logprob);
    assert.deepEqual(e.bytes, [...new TextEncoder().encode(e.token)]);
  }
});

test("without logprobs no chunk carries any", { skip }, async () => {
  for await (const chunk of model.generate("Hi", { raw: true, options: { temperature: 0, num_predict: 4 } })) {
    assert.equal(chunk.logprobs, undefined);
  }
});

test("a stop sequence's tokens carry no entries: every entry's text was sent", { skip }, async () => {
  // greedy output first, then stop at a piece of it
  const base = await model.complete("Once upon a time", { raw: true, options: { temperature: 0, num_predict: 12 } });
  const stop = base.text.slice(Math.floor(base.text.length / 2)).trim().slice(0, 3);
  assert.ok(stop.length > 0);
  let text = "";
  const tokens: string[] = [];
  for await (
    const chunk of model.generate("Once upon a time", {
      raw: true,
      logprobs: true,
      options: { temperature: 0, num_predict: 12, stop: [stop] },
    })
  ) {
    text += chunk.text;
    tokens.push(...(chunk.logprobs ?? []).map((e) => e.token));
  }
  assert.ok(!text.includes(stop));
  // the entries cover the text; the last one may run into the stop sequence, but none lies wholly inside it
  assert.ok(tokens.join("").startsWith(text) || text.startsWith(tokens.join("")), `${JSON.stringify(tokens)} ${text}`);
  assert.ok(tokens.slice(0, -1).join("").length < text.length || tokens.length === 0);
});
