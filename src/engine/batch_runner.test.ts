import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type Completion, type LoadedModel, loadModel } from "./mod.ts";
import { fitPrompt, truncatedPromptLimit } from "./overflow.ts";
import { fixtureModel, fixtureSkip } from "../../tests/fixtures/mod.ts";

const skip = fixtureSkip("tiny-spm");
const greedy = { temperature: 0 };
let model: LoadedModel;

before(async () => {
  if (skip) return;
  model = await loadModel(await fixtureModel("tiny-spm"), { numCtx: 512, numThread: 1, numParallel: 4 });
});

after(async () => {
  await model?.close();
});

const prompts = [
  "Once upon a time",
  "The quick brown fox jumps over the lazy dog",
  "In a hole in the ground there lived",
  "It was the best of times, it was the worst of times",
  "Call me Ishmael. Some years ago",
  "Happy families are all alike",
];

test("BatchRunner: parallel requests (more than the slots) give exactly the sequential greedy output", { skip }, async () => {
  assert.equal(model.info.nParallel, 4);
  const options = { ...greedy, num_predict: 24 };
  const sequential: Completion[] = [];
  for (const p of prompts) sequential.push(await model.complete(p, { raw: true, options }));
  const parallel = await Promise.all(prompts.map((p) => model.complete(p, { raw: true, options })));
  for (let i = 0; i < prompts.length; i++) {
    assert.deepEqual(parallel[i].tokens, sequential[i].tokens, `prompt ${i}`);
    assert.equal(parallel[i].text, sequential[i].text);
    assert.equal(parallel[i].tokens.length, 24);
  }
  // different lengths finishing at different steps: requests leave and join between steps
  const mixed = await Promise.all(prompts.map((p, i) => model.complete(p, { raw: true, options: { ...greedy, num_predict: 4 + 4 * i } })));
  mixed.forEach((r, i) => assert.deepEqual(r.tokens, sequential[i].tokens.slice(0, 4 + 4 * i)));
});

test("BatchRunner: cancelling one of four streams leaves the other three correct", { skip }, async () => {
  const options = { ...greedy, num_predict: 40 };
  const four = prompts.slice(0, 4);
  const expected: number[][] = [];
  for (const p of four) expected.push((await model.complete(p, { raw: true, options })).tokens);
  const controller = new AbortController();
  const runs = four.map(async (p, i) => {
    let seen = 0;
    let last;
    const signal = i === 1 ? controller.signal : undefined;
    for await (const chunk of model.generate(p, { raw: true, options, signal })) {
      if (i === 1 && chunk.text && ++seen === 5) controller.abort();
      last = chunk;
    }
    return last?.tokens;
  });
  const results = await Promise.allSettled(runs);
  assert.equal(results[1].status, "rejected");
  assert.equal((results[1] as PromiseRejectedResult).reason.name, "AbortError");
  for (const i of [0, 2, 3]) {
    assert.equal(results[i].status, "fulfilled");
    assert.deepEqual((results[i] as PromiseFulfilledResult<number[]>).value, expected[i], `stream ${i}`);
  }
  // the cancelled slot is usable again
  assert.deepEqual((await model.complete(four[1], { raw: true, options })).tokens, expected[1]);
});

test("BatchRunner: the prefix cache computes only the new turn of a chat", { skip }, async () => {
  const turn = (text: string) => `<|im_start|>user\n${text}<|im_end|>\n<|im_start|>assistant\n`;
  const options = { ...greedy, num_predict: 12 };
  let history = `<|im_start|>system\nYou are a tireless storyteller ${Math.random()}.<|im_end|>\n`;
  let previous: { prompt: number; answer: number } | undefined;
  for (const [i, question] of ["Tell me a story.", "And then?", "How does it end?"].entries()) {
    history += turn(question);
    const r = await model.complete(history, { raw: true, options });
    // another request in between takes another slot and does not evict this chat's cache
    await model.complete(prompts[i], { raw: true, options: { ...greedy, num_predict: 2 } });
    const newTurn = (await model.tokenize(`<|im_end|>\n${turn(question)}`, { addSpecial: false })).length;
    assert.equal(r.timings.promptEvalCount + r.timings.cachedTokens, r.promptTokens.length);
    if (!previous) assert.ok(r.timings.cachedTokens <= 1); // at most a BOS held by another slot
    else {
      // the whole earlier conversation comes from the cache; computed: the new turn, and the answer as far as
      // its text tokenizes differently from how it was generated (random weights write odd token sequences)
      assert.ok(r.timings.cachedTokens >= previous.prompt, `cached ${r.timings.cachedTokens} of ${previous.prompt}`);
      assert.ok(r.timings.promptEvalCount <= newTurn + previous.answer, `computed ${r.timings.promptEvalCount}`);
    }
    previous = { prompt: r.promptTokens.length, answer: r.tokens.length };
    history += `${r.text}<|im_end|>\n`;
  }
  // with token ids the reuse is exact: everything decoded is reused
  const first = await model.complete([1, 450, 4996, 17354, 1701, 29916], { options });
  const next = [...first.promptTokens, ...first.tokens, 13, 1576, 1095];
  const second = await model.complete(next, { options });
  // the last sampled token was never decoded, so it is computed with the new ones
  const undecoded = first.doneReason === "length" ? 1 : 0;
  assert.equal(second.timings.promptEvalCount, 3 + undecoded);
  assert.equal(second.timings.cachedTokens, next.length - 3 - undecoded);
});

test("BatchRunner: a running request's prefix is shared with a new one (separate and unified KV)", { skip }, async () => {
  const shared = "Shared preamble: " + Array.from({ length: 40 }, (_, i) => `p${i}`).join(" ") + Math.random();
  const options = { ...greedy, num_predict: 16 };
  for (const kvUnified of [false, true]) {
    const m = await loadModel(await fixtureModel("tiny-spm"), { numCtx: 512, numThread: 1, numParallel: 2, kvUnified });
    try {
      const alone = await m.complete(`${shared} then b`, { raw: true, options });
      // a fresh prompt in each slot, so neither holds the preamble
      await Promise.all(prompts.slice(0, 2).map((p) => m.complete(p, { raw: true, options: { ...greedy, num_predict: 2 } })));
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const a = (async () => {
        for await (const c of m.generate(`${shared} then a`, { raw: true, options: { ...greedy, num_predict: 64 } })) {
          if (c.text) started();
        }
      })();
      await running;
      const b = await m.complete(`${shared} then b`, { raw: true, options });
      await a;
      assert.deepEqual(b.tokens, alone.tokens, `kvUnified ${kvUnified}`);
      const preamble = (await m.tokenize(shared)).length;
      assert.ok(b.timings.cachedTokens >= preamble - 1, `kvUnified ${kvUnified}: cached ${b.timings.cachedTokens} of ${preamble}`);
    } finally {
      await m.close();
    }
  }
});

test("BatchRunner: context shift lets greedy generation run past num_ctx", { skip }, async () => {
  const small = await loadModel(await fixtureModel("tiny-spm"), { numCtx: 64, numThread: 1, numParallel: 2 });
  try {
    const r = await small.complete("Once upon a time", { raw: true, options: { ...greedy, num_predict: 150 } });
    assert.equal(r.tokens.length, 150);
    assert.equal(r.doneReason, "length");
    assert.ok(r.promptTokens.length + r.tokens.length > 2 * small.info.nCtx);
    // the output up to the first shift is the unshifted output
    const plain = await small.complete("Once upon a time", { raw: true, shift: false, options: greedy });
    assert.deepEqual(r.tokens.slice(0, plain.tokens.length), plain.tokens);
    // num_predict -1 is bounded (10 contexts, as Ollama) instead of running forever
    const open = await small.complete("Once upon a time", { raw: true, options: greedy });
    assert.equal(open.tokens.length, 10 * small.info.nCtx);
  } finally {
    await small.close();
  }
});

test("BatchRunner: a too-long prompt is cut in the middle (reported), or refused with shift off", { skip }, async () => {
  const small = await loadModel(await fixtureModel("tiny-spm"), { numCtx: 64, numThread: 1, numParallel: 2 });
  try {
    const long = Array.from({ length: 80 }, (_, i) => `w${i}`).join(" ");
    const tokens = await small.tokenize(long);
    assert.ok(tokens.length >= 64);
    const r = await small.complete(long, { raw: true, options: { ...greedy, num_predict: 4 } });
    const limit = truncatedPromptLimit(64, 4 + 1);
    assert.equal(r.truncated, tokens.length - limit);
    assert.equal(r.timings.promptEvalCount, limit);
    assert.equal(r.tokens.length, 4);
    // the truncated prompt gives what the cut prompt gives
    const cut = fitPrompt(tokens, { nCtx: 64, numKeep: 4, addsBos: true, shift: true, truncate: true }).tokens;
    assert.deepEqual(cut.slice(0, 5), tokens.slice(0, 5));
    assert.deepEqual(cut.slice(5), tokens.slice(tokens.length - (limit - 5)));
    assert.deepEqual((await small.complete(cut, { options: { ...greedy, num_predict: 4 } })).tokens, r.tokens);
    const refused = { name: "ContextLengthError", message: /^the prompt is longer than the context length currently available to the model; / };
    await assert.rejects(small.complete(long, { raw: true, shift: false }), { ...refused, status: 400 });
    await assert.rejects(small.complete(long, { raw: true, truncate: false }), refused);
    const short = await small.complete("Once upon a time", { raw: true, options: { ...greedy, num_predict: 2 } });
    assert.equal(short.truncated, 0);
  } finally {
    await small.close();
  }
});

test("fitPrompt() keeps num_keep (+BOS) and drops from the middle to Ollama's limit", () => {
  const tokens = Array.from({ length: 100 }, (_, i) => i);
  assert.equal(truncatedPromptLimit(64, 5), 64 - 29);
  const fitted = fitPrompt(tokens, { nCtx: 64, numKeep: 4, addsBos: true, shift: true, truncate: true });
  assert.equal(fitted.tokens.length, 35);
  assert.equal(fitted.dropped, 65);
  assert.deepEqual(fitted.tokens.slice(0, 6), [0, 1, 2, 3, 4, 70]);
  assert.equal(fitted.tokens.at(-1), 99);
  assert.deepEqual(fitPrompt(tokens.slice(0, 63), { nCtx: 64, numKeep: 4, addsBos: true, shift: true, truncate: true }).dropped, 0);
  assert.throws(() => fitPrompt(tokens, { nCtx: 64, numKeep: 4, addsBos: true, shift: false, truncate: true }), { name: "ContextLengthError" });
});
