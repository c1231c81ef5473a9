// Vercel's AI SDK (`ai`) with its Anthropic provider (/v1/messages) and its OpenAI provider (/v1/responses),
// pinned, against a real server running a fixture model through libllama. The weights are random, so the
// assertions are about what the SDK makes of our answers: ids, finish reasons, usage (cached tokens included),
// stream part order, forced tool calls (tool_choice, made certain by the server's grammar) whose results go back
// as a tool_result / function_call_output turn, previous_response_id chains, and errors.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { APICallError, generateText, jsonSchema, streamText, tool } from "ai";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { TOOLS_TEMPLATE } from "./helpers/templates.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const skip = fixtureSkip("tiny-spm");
const opts = { skip, timeout: 180_000 };
let server: TestServer;
let anthropic: ReturnType<typeof createAnthropic>;
let openai: ReturnType<typeof createOpenAI>;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  const gguf = await fixtureModel("tiny-spm");
  await installGguf(server.store, "tiny:latest", gguf, { template: TOOLS_TEMPLATE });
  anthropic = createAnthropic({ baseURL: `${server.url}/v1`, apiKey: "unused" });
  openai = createOpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused" });
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

const weather = (calls: Json[]) =>
  tool({
    description: "Weather in a city",
    inputSchema: jsonSchema<{ city: "Paris" | "Oslo" }>({
      type: "object",
      properties: { city: { type: "string", enum: ["Paris", "Oslo"] } },
      required: ["city"],
      additionalProperties: false,
    }),
    execute: (input: { city: string }) => {
      calls.push(input);
      return { city: input.city, celsius: 21 };
    },
  });

/** The part types of a full stream with each run of one type collapsed. */
function shape(parts: Json[]): string[] {
  const names: string[] = [];
  for (const { type } of parts) if (names.at(-1) !== type) names.push(type);
  return names;
}

const retries = { maxRetries: 0 };
const greedy = { temperature: 0, ...retries };

for (const api of ["anthropic", "openai"] as const) {
  const model = () => api === "anthropic" ? anthropic("tiny") : openai.responses("tiny");
  const idPattern = api === "anthropic" ? /^msg_[0-9A-Za-z]{24}$/ : /^resp_/;
  const callPattern = api === "anthropic" ? /^toolu_/ : /^call_/;

  test(`ai + @ai-sdk/${api}: generateText gives the id, finish reason and usage; a repeat reads the prefix cache`, opts, async () => {
    const prompt = { system: "You are terse.", prompt: "Hello", maxOutputTokens: 6, ...greedy };
    const first = await generateText({ model: model(), ...prompt });
    assert.match(first.response.id, idPattern);
    assert.equal(first.response.modelId, "tiny");
    assert.ok(["stop", "length"].includes(first.finishReason), first.finishReason);
    assert.ok(first.usage.inputTokens! > 5, JSON.stringify(first.usage));
    assert.ok(first.usage.outputTokens! >= 1 && first.usage.outputTokens! <= 6, JSON.stringify(first.usage));
    if (first.finishReason === "length") assert.equal(first.usage.outputTokens, 6);
    const second = await generateText({ model: model(), ...prompt });
    assert.equal(second.text, first.text);
    assert.notEqual(second.response.id, first.response.id);
    assert.equal(second.usage.inputTokens, first.usage.inputTokens);
    assert.ok(second.usage.inputTokenDetails.cacheReadTokens! > 0, JSON.stringify(second.usage));
  });

  test(`ai + @ai-sdk/${api}: streamText parts arrive in order and add up to generateText's answer`, opts, async () => {
    const prompt = { prompt: "Tell me a story", maxOutputTokens: 8, ...greedy };
    const whole = await generateText({ model: model(), ...prompt });
    const stream = streamText({ model: model(), ...prompt });
    const parts: Json[] = [];
    for await (const part of stream.fullStream) parts.push(part);
    // @ai-sdk/anthropic also passes message_start on as a custom part carrying the message id and first usage
    const custom = parts.filter((p) => p.type === "custom");
    if (api === "anthropic") {
      assert.equal(custom.length, 1);
      assert.equal(custom[0].kind, "anthropic.message_start");
      assert.equal(custom[0].providerMetadata.anthropic.id, (await stream.response).id);
    } else assert.equal(custom.length, 0);
    assert.deepEqual(shape(parts).filter((t) => t !== "raw" && t !== "custom"), [
      "start",
      "start-step",
      "text-start",
      "text-delta",
      "text-end",
      "finish-step",
      "finish",
    ], JSON.stringify(shape(parts)));
    assert.equal(await stream.text, whole.text);
    assert.equal(await stream.finishReason, whole.finishReason);
    const usage = await stream.usage;
    assert.equal(usage.outputTokens, whole.usage.outputTokens);
    assert.equal(usage.inputTokens, whole.usage.inputTokens);
    assert.match((await stream.response).id, idPattern);
  });

  test(`ai + @ai-sdk/${api}: a forced tool call runs and its result goes back as the next turn`, opts, async () => {
    const calls: Json[] = [];
    const result = await generateText({
      model: model(),
      prompt: "What is the weather?",
      tools: { get_weather: weather(calls) },
      toolChoice: { type: "tool", toolName: "get_weather" },
      // the second step answers with the tool's result in its history, no longer forced
      prepareStep: ({ stepNumber }) => stepNumber > 0 ? { toolChoice: "none" } : undefined,
      stopWhen: ({ steps }) => steps.length === 2,
      include: { requestBody: true },
      maxOutputTokens: 64,
      ...greedy,
    });
    assert.equal(result.steps.length, 2);
    const [call, answer] = result.steps;
    assert.equal(call.finishReason, "tool-calls");
    assert.equal(call.toolCalls.length, 1);
    const toolCall = call.toolCalls[0];
    assert.equal(toolCall.toolName, "get_weather");
    assert.match(toolCall.toolCallId, callPattern);
    assert.ok(["Paris", "Oslo"].includes((toolCall.input as Json).city), JSON.stringify(toolCall.input));
    assert.deepEqual(calls, [toolCall.input]);
    assert.deepEqual(call.toolResults.map((r) => r.output), [{ city: (toolCall.input as Json).city, celsius: 21 }]);
    // the second request carried the call and its result, in this API's shape
    const sent = JSON.stringify(answer.request.body);
    const resultItem = api === "anthropic" ? '"type":"tool_result"' : '"type":"function_call_output"';
    assert.ok(sent.includes(resultItem) && sent.includes(toolCall.toolCallId), sent.slice(-600));
    assert.ok(["stop", "length"].includes(answer.finishReason), answer.finishReason);
    assert.equal(answer.toolCalls.length, 0);
    assert.ok(answer.usage.inputTokens! > 0 && answer.usage.outputTokens! > 0, JSON.stringify(answer.usage));
  });

  test(`ai + @ai-sdk/${api}: a streamed forced call arrives as tool-input deltas that parse to its input`, opts, async () => {
    const stream = streamText({
      model: model(),
      prompt: "Weather?",
      tools: { get_weather: weather([]) },
      toolChoice: "required",
      stopWhen: ({ steps }) => steps.length === 1,
      maxOutputTokens: 64,
      ...greedy,
    });
    const parts: Json[] = [];
    for await (const part of stream.fullStream) parts.push(part);
    const names = shape(parts).filter((t) => t !== "raw");
    const at = (name: string) => names.indexOf(name);
    assert.ok(at("tool-input-start") >= 0 && at("tool-input-start") < at("tool-input-delta"), names.join(","));
    assert.ok(at("tool-input-delta") < at("tool-input-end") && at("tool-input-end") < at("tool-call"), names.join(","));
    const deltas = parts.filter((p) => p.type === "tool-input-delta");
    const toolCall = parts.find((p) => p.type === "tool-call")!;
    assert.deepEqual(JSON.parse(deltas.map((d) => d.delta).join("")), toolCall.input);
    assert.match(toolCall.toolCallId, callPattern);
    assert.equal(await stream.finishReason, "tool-calls");
    assert.equal(parts.filter((p) => p.type === "tool-result").length, 1);
  });

  test(`ai + @ai-sdk/${api}: an unknown model is an APICallError with the server's status and message`, opts, async () => {
    const failing = api === "anthropic" ? anthropic("nope") : openai.responses("nope");
    await assert.rejects(generateText({ model: failing, prompt: "Hi", maxOutputTokens: 4, ...retries }), (error) => {
      assert.ok(APICallError.isInstance(error), String(error));
      assert.equal(error.statusCode, 404);
      assert.match(error.message, /nope/);
      return true;
    });
  });
}

test("ai + @ai-sdk/openai: store + previousResponseId continue a conversation without resending it", opts, async () => {
  const first = await generateText({
    model: openai.responses("tiny"),
    prompt: "Remember the word kiwi.",
    maxOutputTokens: 4,
    providerOptions: { openai: { store: true } },
    ...greedy,
  });
  const firstId = first.providerMetadata?.openai?.responseId as string;
  assert.equal(firstId, first.response.id);
  const next = await generateText({
    model: openai.responses("tiny"),
    prompt: "Which word?",
    maxOutputTokens: 4,
    providerOptions: { openai: { store: true, previousResponseId: firstId } },
    include: { requestBody: true },
    ...greedy,
  });
  // only the new turn went over the wire, yet the prompt holds the first exchange, most of it from the cache
  assert.ok(!JSON.stringify(next.request.body).includes("kiwi"));
  assert.ok(next.usage.inputTokens! > first.usage.inputTokens!, `${next.usage.inputTokens} vs ${first.usage.inputTokens}`);
  assert.ok(next.usage.inputTokenDetails.cacheReadTokens! > 0, JSON.stringify(next.usage));
  const stored = await (await fetch(`${server.url}/v1/responses/${next.response.id}`)).json();
  assert.equal(stored.previous_response_id, firstId);
  await assert.rejects(
    generateText({
      model: openai.responses("tiny"),
      prompt: "Hi",
      maxOutputTokens: 4,
      providerOptions: { openai: { previousResponseId: "resp_unknown" } },
      ...retries,
    }),
    (error) => APICallError.isInstance(error) && error.statusCode === 404 && /resp_unknown/.test(error.message),
  );
});

test("ai + @ai-sdk/openai: a reply cut by maxOutputTokens is incomplete: finish reason length", opts, async () => {
  const result = await generateText({ model: openai.responses("tiny"), prompt: "Tell me a long story", maxOutputTokens: 3, include: { responseBody: true }, ...greedy });
  assert.equal(result.finishReason, "length");
  assert.equal(result.usage.outputTokens, 3);
  assert.equal((result.response.body as Json).status, "incomplete");
});
