// A thinking budget (Anthropic's `thinking.budget_tokens`): the engine closes the thinking once it holds the budget's
// tokens (the closing text decoded in place of sampled tokens) and the answer follows; /v1/messages passes the budget.
// The fixture's weights are random, so greedy output is compared with itself with and without a budget.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { type LoadedModel, loadModel } from "../src/engine/mod.ts";
import { chatFormat } from "../src/chat_format/mod.ts";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { THINKING_TEMPLATE } from "./helpers/templates.ts";

const skip = fixtureSkip("tiny-spm");
const opts = { skip, timeout: 300_000 };
const greedy = { temperature: 0 };
const PROMPT = "<|im_start|>user\nWhy is the sky blue?<|im_end|>\n<|im_start|>assistant\n<think>";
const think = { open: ["<think>"], close: ["</think>"], closeText: "</think>" };
let model: LoadedModel;
let server: TestServer;
let client: Anthropic;

before(async () => {
  if (skip) return;
  const gguf = await fixtureModel("tiny-spm");
  model = await loadModel(gguf, { numCtx: 512, numThread: 1, numParallel: 1 });
  server = await startTestServer();
  await installGguf(server.store, "thinker:latest", gguf, { template: THINKING_TEMPLATE });
  client = new Anthropic({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
});

after(async () => {
  await model?.close();
  await server?.[Symbol.asyncDispose]();
});

test("chat format: the thinking tags a budget needs, opened by the prompt or not; none without thinking", () => {
  const fmt = chatFormat({ template: THINKING_TEMPLATE });
  const prompt = fmt.render({ messages: [{ role: "user", content: "Hi" }], think: true });
  assert.deepEqual(fmt.thinkingTags({ think: true, prompt }), { ...think, startsInside: true });
  const unopened = fmt.render({ messages: [{ role: "user", content: "Hi" }] });
  assert.equal(fmt.thinkingTags({ think: true, prompt: unopened })?.startsInside, false);
  assert.equal(fmt.thinkingTags({ think: false, prompt }), undefined);
  // harmony: the analysis message ends and the final channel opens
  const harmony = chatFormat({ parser: "harmony" }).thinkingTags({ think: true, prompt: "<|start|>assistant" });
  assert.equal(harmony?.closeText, "<|end|><|start|>assistant<|channel|>final<|message|>");
  assert.equal(harmony?.startsInside, false);
});

test("engine: a prompt that opens thinking gets exactly `tokens` thinking tokens, then the closing text, then the answer", opts, async () => {
  const free = await model.complete(PROMPT, { raw: true, options: { ...greedy, num_predict: 24 } });
  assert.ok(free.tokens.length > 8, "the fixture writes more than the budget");
  const closing = await model.tokenize("</think>", { addSpecial: false, parseSpecial: true });
  const capped = await model.complete(PROMPT, {
    raw: true,
    options: { ...greedy, num_predict: 24 },
    thinkingBudget: { ...think, tokens: 8, startsInside: true },
  });
  // the same 8 thinking tokens as without a budget, then </think>'s tokens decoded in place of sampled ones
  assert.deepEqual(capped.tokens.slice(0, 8), free.tokens.slice(0, 8));
  assert.deepEqual(capped.tokens.slice(8, 8 + closing.length), closing);
  // (the closing text is tokenized as text is: this SentencePiece vocabulary writes it after a space)
  const thought = await model.detokenize(free.tokens.slice(0, 8));
  const at = capped.text.indexOf("</think>");
  assert.equal(capped.text.slice(0, at).trim(), thought.trim(), JSON.stringify(capped.text));
  assert.ok(!thought.includes("</think>"));
  // generation goes on after the close: the answer
  assert.ok(capped.tokens.length > 8 + closing.length, "an answer follows the closed thinking");
  assert.equal(capped.text.indexOf("</think>"), capped.text.lastIndexOf("</think>"), "closed once");
});

test("engine: a block the output opens itself is counted from its opener; no budget changes nothing", opts, async () => {
  const prompt = "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n";
  const free = await model.complete(prompt, { raw: true, options: { ...greedy, num_predict: 24 } });
  assert.ok(free.tokens.length >= 12);
  // the text of the first two tokens stands in for an opener the model writes
  const opener = await model.detokenize(free.tokens.slice(0, 2));
  const closing = await model.tokenize("</think>", { addSpecial: false, parseSpecial: true });
  const capped = await model.complete(prompt, {
    raw: true,
    options: { ...greedy, num_predict: 24 },
    thinkingBudget: { open: [opener], close: ["</think>"], closeText: "</think>", tokens: 5, startsInside: false },
  });
  assert.deepEqual(capped.tokens.slice(0, 7), free.tokens.slice(0, 7));
  assert.deepEqual(capped.tokens.slice(7, 7 + closing.length), closing);
  // a budget larger than the output, or none: the greedy output as it is
  const roomy = await model.complete(prompt, {
    raw: true,
    options: { ...greedy, num_predict: 24 },
    thinkingBudget: { ...think, tokens: 1000, startsInside: true },
  });
  assert.deepEqual(roomy.tokens, free.tokens);
});

test("POST /v1/messages thinking enabled: the thinking block stops at budget_tokens and a text block follows", opts, async () => {
  const budget = 1024;
  const message = await client.messages.create({
    model: "thinker",
    messages: [{ role: "user", content: "Why is the sky blue?" }],
    max_tokens: budget + 48,
    thinking: { type: "enabled", budget_tokens: budget },
    temperature: 0,
  } as Anthropic.MessageCreateParamsNonStreaming);
  const [thought, answer] = message.content;
  assert.equal(thought?.type, "thinking", JSON.stringify(message.content).slice(0, 300));
  assert.equal(answer?.type, "text", JSON.stringify(message.content).slice(-300));
  const thinking = (thought as Anthropic.ThinkingBlock).thinking;
  // the prompt opened the block: the first budget_tokens tokens were thinking (the engine test counts them
  // exactly; this random text, tokenized again, may split a little differently)
  const thinkingTokens = (await model.tokenize(thinking, { addSpecial: false, parseSpecial: true })).length;
  assert.ok(thinkingTokens <= budget * 1.1 && thinkingTokens >= budget * 0.9, `${thinkingTokens} thinking tokens`);
  assert.ok((answer as Anthropic.TextBlock).text.length > 0);
  assert.equal(message.stop_reason, "max_tokens");
  assert.equal(message.usage.output_tokens, budget + 48);
  // without a budget (adaptive thinking) the same model thinks on to max_tokens: it never closes the block itself
  const open = await client.messages.create({
    model: "thinker",
    messages: [{ role: "user", content: "Why is the sky blue?" }],
    max_tokens: budget + 48,
    thinking: { type: "adaptive" },
    temperature: 0,
  } as unknown as Anthropic.MessageCreateParamsNonStreaming);
  assert.deepEqual(open.content.map((block) => block.type), ["thinking"]);
});
