// Anthropic's Messages API (`/v1/messages`, `/v1/messages/count_tokens`) with the real `@anthropic-ai/sdk` client
// against a real server running a fixture model through libllama. The weights are random, so the assertions are
// about shapes, event order, ids, stop reasons, usage and round trips; tool calls are made certain by tool_choice
// (the grammar that forces a call), and a stop sequence is one taken from the model's own greedy output.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { THINKING_TEMPLATE, TOOLS_TEMPLATE } from "./helpers/templates.ts";


const weatherTool = {
  name: "get_weather",
  description: "Weather in a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string", enum: ["Paris", "Oslo"] } }, required: ["city"] },
};
const timeTool = {
  name: "get_time",
  description: "Time in a zone",
  input_schema: { type: "object" as const, properties: { zone: { type: "string", enum: ["UTC", "CET"] } }, required: ["zone"] },
};
const hello = [{ role: "user" as const, content: "Hello" }];
// Greedy sampling: `temperature` is still accepted by the API, though this SDK's types no longer list it.
const greedy = { temperature: 0 };

const skip = fixtureSkip("tiny-spm");
const opts = { skip, timeout: 180_000 };
let server: TestServer;
let client: Anthropic;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  const gguf = await fixtureModel("tiny-spm");
  await installGguf(server.store, "tiny:latest", gguf);
  await installGguf(server.store, "tooly:latest", gguf, { template: TOOLS_TEMPLATE });
  await installGguf(server.store, "thinker:latest", gguf, { template: THINKING_TEMPLATE });
  client = new Anthropic({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

interface SseEvent {
  event: string;
  data: Record<string, any>;
}

/** POSTs a body and reads the SSE answer as (event name, JSON data) pairs, pings included (the SDK hides them). */
async function rawEvents(path: string, body: unknown): Promise<SseEvent[]> {
  const response = await fetch(server.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const text = await response.text();
  assert.ok(text.endsWith("\n\n"), JSON.stringify(text.slice(-40)));
  return text.slice(0, -2).split("\n\n").map((frame) => {
    const [eventLine, dataLine, ...rest] = frame.split("\n");
    assert.deepEqual(rest, [], frame);
    assert.match(eventLine, /^event: [a-z_]+$/);
    assert.match(dataLine, /^data: /);
    return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) };
  });
}

/**
 * A stop sequence that ends the model's greedy answer to `content` after about `tokens` tokens (a suffix of what it
 * writes in that many, found nowhere earlier): a thinking request needs max_tokens above Anthropic's minimum budget
 * (1024), which a random-weight model would fill, slowly, on a loaded machine.
 */
async function stopAfter(model: string, content: string, tokens: number): Promise<string> {
  const response = await fetch(server.url + "/api/chat", {
    method: "POST",
    body: JSON.stringify({ model, stream: false, messages: [{ role: "user", content }], options: { num_predict: tokens, temperature: 0 } }),
  });
  const { message } = await response.json() as { message: { content: string; thinking?: string } };
  const out = (message.thinking || message.content).trimEnd();
  for (let n = 3; n <= out.length; n++) {
    const stop = out.slice(-n);
    if (stop.trim() === stop && out.indexOf(stop) === out.length - n) return stop;
  }
  throw new Error(`no stop sequence in ${JSON.stringify(out)}`);
}

/** The event names with each run of content_block_delta (and of ping after the first) collapsed to one. */
function shape(events: SseEvent[]): string[] {
  const names: string[] = [];
  for (const { event } of events) if (names.at(-1) !== event) names.push(event);
  return names;
}

test("POST /v1/messages: the message shape, usage from the prefix cache, count_tokens equals input_tokens", opts, async () => {
  const system = [{ type: "text" as const, text: "You are terse." }, { type: "text" as const, text: "Answer in French." }];
  const params = { model: "tiny", system, messages: hello, max_tokens: 6, temperature: 0 };
  // counted before any generation: the first answer then computes its whole prompt (nothing cached yet)
  const counted = await client.messages.countTokens({ model: "tiny", system, messages: hello });
  assert.deepEqual(Object.keys(counted), ["input_tokens"]);
  assert.ok(Number.isInteger(counted.input_tokens) && counted.input_tokens > 10, String(counted.input_tokens));
  const first = await client.messages.create(params);
  assert.match(first.id, /^msg_[0-9A-Za-z]{24}$/);
  assert.equal(first.type, "message");
  assert.equal(first.role, "assistant");
  assert.equal(first.model, "tiny");
  assert.ok(["end_turn", "max_tokens"].includes(first.stop_reason!), String(first.stop_reason));
  assert.equal(first.stop_sequence, null);
  assert.ok(first.content.every((block) => block.type === "text"));
  assert.deepEqual(first.usage, {
    input_tokens: counted.input_tokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: first.usage.output_tokens,
  });
  assert.ok(first.usage.output_tokens > 0 && first.usage.output_tokens <= 6);
  if (first.stop_reason === "max_tokens") assert.equal(first.usage.output_tokens, 6);
  // the same prompt again: most of it comes from the prefix cache; the two parts still add up to the count
  const second = await client.messages.create(params);
  assert.ok(second.usage.cache_read_input_tokens! > 0, JSON.stringify(second.usage));
  assert.equal(second.usage.input_tokens + second.usage.cache_read_input_tokens!, counted.input_tokens);
  assert.deepEqual(second.content, first.content);
  assert.notEqual(second.id, first.id);
});

test("POST /v1/messages stream: Anthropic's event order, names and payloads; the SDK's final message matches", opts, async () => {
  const body = { model: "tiny", messages: hello, max_tokens: 8, temperature: 0, stream: true };
  const events = await rawEvents("/v1/messages", body);
  for (const { event, data } of events) assert.equal(data.type, event);
  assert.deepEqual(shape(events), [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  const start = events[0].data.message;
  assert.match(start.id, /^msg_[0-9A-Za-z]{24}$/);
  assert.deepEqual({ ...start, id: "" }, {
    id: "",
    type: "message",
    role: "assistant",
    model: "tiny",
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: start.usage.input_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
  });
  const counted = await client.messages.countTokens({ model: "tiny", messages: hello });
  assert.equal(start.usage.input_tokens, counted.input_tokens);
  assert.deepEqual(events[1].data, { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
  const deltas = events.filter((e) => e.event === "content_block_delta");
  for (const d of deltas) assert.deepEqual(Object.keys(d.data), ["type", "index", "delta"]);
  assert.ok(deltas.every((d) => d.data.index === 0 && d.data.delta.type === "text_delta"));
  const delta = events.at(-2)!.data;
  assert.equal(delta.delta.stop_reason, "max_tokens");
  assert.equal(delta.delta.stop_sequence, null);
  assert.equal(delta.usage.output_tokens, 8);
  assert.equal(delta.usage.input_tokens + delta.usage.cache_read_input_tokens, counted.input_tokens);
  assert.deepEqual(events.at(-1)!.data, { type: "message_stop" });

  // the SDK assembles the same message from its own stream
  const stream = client.messages.stream({ model: "tiny", messages: hello, max_tokens: 8, ...greedy });
  let streamedText = "";
  stream.on("text", (piece) => (streamedText += piece));
  const streamed = await stream.finalMessage();
  const whole = await client.messages.create({ model: "tiny", messages: hello, max_tokens: 8, ...greedy });
  assert.equal(streamed.stop_reason, "max_tokens");
  assert.deepEqual(streamed.content, whole.content);
  assert.equal(streamedText, (whole.content[0] as { text: string }).text);
  assert.equal(deltas.map((d) => d.data.delta.text).join(""), streamedText);
  assert.equal(streamed.usage.output_tokens, whole.usage.output_tokens);
});

test("POST /v1/messages stream: a client that leaves mid-stream gives the runner back", opts, async () => {
  const stream = client.messages.stream({ model: "tiny", messages: hello, max_tokens: 1500, ...greedy });
  await new Promise((resolve) => stream.once("text", resolve));
  stream.abort();
  await assert.rejects(stream.finalMessage(), Anthropic.APIUserAbortError);
  while (server.scheduler.list().some((entry) => entry.active > 0)) await new Promise((resolve) => setTimeout(resolve, 20));
  const next = await client.messages.create({ model: "tiny", messages: hello, max_tokens: 2 });
  assert.equal(next.type, "message");
});

test("POST /v1/messages: a stop sequence ends the text before it, reported as stop_sequence", opts, async () => {
  const base = { model: "tiny", messages: [{ role: "user" as const, content: "Tell me a story" }], max_tokens: 24, temperature: 0 };
  const free = await client.messages.create(base);
  const text = (free.content[0] as { text: string }).text;
  // a short piece of the greedy output, first seen after its start: the same run stops right before it
  const at = Array.from(text, (_, i) => i).find((i) => text.slice(0, i).trim() !== "" && text.slice(i, i + 2).trim().length === 2 && text.indexOf(text.slice(i, i + 2)) === i);
  assert.ok(at !== undefined, JSON.stringify(text));
  const stop = text.slice(at, at + 2);
  const stopped = await client.messages.create({ ...base, stop_sequences: ["never-generated", stop] });
  assert.equal(stopped.stop_reason, "stop_sequence");
  assert.equal(stopped.stop_sequence, stop);
  assert.equal(stopped.content.length === 0 ? "" : (stopped.content[0] as { text: string }).text, text.slice(0, at));
  const events = await rawEvents("/v1/messages", { ...base, stop_sequences: [stop], stream: true });
  assert.deepEqual(events.at(-2)!.data.delta, { stop_reason: "stop_sequence", stop_sequence: stop });
});

test("POST /v1/messages tools: tool_choice tool/any force a call, a tool_result turn continues, none drops the tools", opts, async () => {
  const ask = [{ role: "user" as const, content: "What is the weather in Paris?" }];
  const forced = await client.messages.create({
    model: "tooly",
    messages: ask,
    tools: [weatherTool, timeTool],
    tool_choice: { type: "tool", name: "get_weather" },
    max_tokens: 60,
  });
  assert.equal(forced.stop_reason, "tool_use");
  const call = forced.content.find((b) => b.type === "tool_use")!;
  assert.ok(call, JSON.stringify(forced.content));
  assert.match(call.id, /^toolu_[0-9A-Za-z]{24}$/);
  assert.equal(call.name, "get_weather");
  assert.ok(["Paris", "Oslo"].includes((call.input as { city: string }).city), JSON.stringify(call.input));
  assert.deepEqual(Object.keys(call), ["type", "id", "name", "input"]);

  // the call and its result sent back: the conversation goes on (auto may call again or answer)
  const followUp = await client.messages.create({
    model: "tooly",
    messages: [
      ...ask,
      { role: "assistant", content: forced.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "18 C and sunny" }, { type: "text", text: "Thanks" }] },
    ],
    tools: [weatherTool, timeTool],
    max_tokens: 8,
    ...greedy,
  });
  assert.equal(followUp.type, "message");
  assert.ok(["end_turn", "max_tokens", "tool_use"].includes(followUp.stop_reason!));
  // and the result is in the prompt: a longer conversation counts more tokens, an error result more still
  const turns = (isError: boolean) => [
    ...ask,
    { role: "assistant" as const, content: forced.content },
    { role: "user" as const, content: [{ type: "tool_result" as const, tool_use_id: call.id, content: [{ type: "text" as const, text: "18 C" }], is_error: isError }] },
  ];
  const withResult = await client.messages.countTokens({ model: "tooly", messages: turns(false), tools: [weatherTool] });
  const withError = await client.messages.countTokens({ model: "tooly", messages: turns(true), tools: [weatherTool] });
  const askOnly = await client.messages.countTokens({ model: "tooly", messages: ask, tools: [weatherTool] });
  assert.ok(withResult.input_tokens > askOnly.input_tokens + 10);
  assert.ok(withError.input_tokens > withResult.input_tokens);

  const any = await client.messages.create({ model: "tooly", messages: ask, tools: [weatherTool, timeTool], tool_choice: { type: "any" }, max_tokens: 60 });
  assert.equal(any.stop_reason, "tool_use");
  const anyCall = any.content.find((b) => b.type === "tool_use")!;
  assert.ok(["get_weather", "get_time"].includes(anyCall.name));

  const none = await client.messages.create({ model: "tooly", messages: ask, tools: [weatherTool], tool_choice: { type: "none" }, max_tokens: 4 });
  assert.ok(none.content.every((b) => b.type === "text"));
  assert.notEqual(none.stop_reason, "tool_use");
  // tool_choice none renders no tools: the prompt is the one without them
  const noneCount = await client.messages.countTokens({ model: "tooly", messages: ask, tools: [weatherTool], tool_choice: { type: "none" } });
  const bare = await client.messages.countTokens({ model: "tooly", messages: ask });
  assert.equal(noneCount.input_tokens, bare.input_tokens);
  assert.ok(askOnly.input_tokens > bare.input_tokens);
});

test("POST /v1/messages tools streamed: a tool_use block with its input in input_json_delta pieces", opts, async () => {
  const body = {
    model: "tooly",
    messages: [{ role: "user", content: "Weather?" }],
    tools: [weatherTool],
    tool_choice: { type: "tool", name: "get_weather" },
    max_tokens: 60,
    stream: true,
  };
  const events = await rawEvents("/v1/messages", body);
  const starts = events.filter((e) => e.event === "content_block_start");
  const toolStart = starts.at(-1)!.data;
  assert.equal(toolStart.content_block.type, "tool_use");
  assert.match(toolStart.content_block.id, /^toolu_/);
  assert.deepEqual(toolStart.content_block.input, {});
  const pieces = events.filter((e) => e.event === "content_block_delta" && e.data.index === toolStart.index);
  assert.ok(pieces.length >= 3, String(pieces.length));
  assert.ok(pieces.every((p) => p.data.delta.type === "input_json_delta"));
  const input = JSON.parse(pieces.map((p) => p.data.delta.partial_json).join(""));
  assert.ok(["Paris", "Oslo"].includes(input.city));
  assert.equal(events.at(-2)!.data.delta.stop_reason, "tool_use");

  const stream = client.messages.stream({ ...body, stream: undefined } as never);
  const message = await stream.finalMessage();
  assert.equal(message.stop_reason, "tool_use");
  const block = message.content.find((b) => b.type === "tool_use")!;
  assert.equal(block.name, "get_weather");
  assert.ok(["Paris", "Oslo"].includes((block.input as { city: string }).city));
});

test("POST /v1/messages thinking: enabled splits thinking into its block (and deltas), disabled keeps it all text", opts, async () => {
  const params = { model: "thinker", messages: [{ role: "user" as const, content: "Why?" }], max_tokens: 8, temperature: 0 };
  // Anthropic's bounds: a budget of at least 1024, below max_tokens; a stop sequence ends it early
  const budget = { type: "enabled" as const, budget_tokens: 1024 };
  const enabled = { max_tokens: 1025, stop_sequences: [await stopAfter("thinker", "Why?", 8)], thinking: budget };
  const thought = await client.messages.create({ ...params, ...enabled });
  assert.equal(thought.content[0]?.type, "thinking", JSON.stringify(thought.content));
  const block = thought.content[0] as { thinking: string; signature: string };
  assert.ok(block.thinking.length > 0);
  assert.equal(typeof block.signature, "string");
  const plain = await client.messages.create({ ...params, thinking: { type: "disabled" } });
  assert.ok(plain.content.every((b) => b.type === "text"));
  const adaptive = await client.messages.create({ ...params, thinking: { type: "adaptive" } as never });
  assert.equal(adaptive.content[0]?.type, "thinking");

  const events = await rawEvents("/v1/messages", { ...params, ...enabled, stream: true });
  assert.deepEqual(events[1].data.content_block, { type: "thinking", thinking: "", signature: "" });
  const thinking = events.filter((e) => e.data.delta?.type === "thinking_delta").map((e) => e.data.delta.thinking).join("");
  assert.equal(thinking, block.thinking);

  // a thinking block in the history is rendered back (the template shows it), and accepted with its signature
  const history = [
    { role: "user" as const, content: "Why?" },
    { role: "assistant" as const, content: [{ type: "thinking" as const, thinking: "Because of the sky", signature: "sig" }, { type: "text" as const, text: "Blue." }] },
    { role: "user" as const, content: "And then?" },
  ];
  const withThought = await client.messages.countTokens({ model: "thinker", messages: history });
  const withoutThought = await client.messages.countTokens({
    model: "thinker",
    messages: [history[0], { role: "assistant", content: "Blue." }, history[2]],
  });
  assert.ok(withThought.input_tokens > withoutThought.input_tokens);
  // a model without thinking answers an agent's `enabled` without it instead of failing
  const tiny = await client.messages.create({
    ...params,
    model: "tiny",
    ...enabled,
    stop_sequences: [await stopAfter("tiny", "Why?", 8)],
  });
  assert.ok(tiny.content.every((b) => b.type === "text"));
});

test("POST /v1/messages output_config.format: the text is JSON that follows the schema", opts, async () => {
  const schema = { type: "object", properties: { ok: { type: "boolean" }, n: { type: "integer" } }, required: ["ok", "n"] };
  const r = await client.messages.create({
    model: "tiny",
    messages: [{ role: "user", content: "JSON please" }],
    max_tokens: 60,
    output_config: { format: { type: "json_schema", schema }, effort: "low" },
  });
  const value = JSON.parse((r.content[0] as { text: string }).text);
  assert.deepEqual(Object.keys(value), ["ok", "n"]);
  assert.equal(typeof value.ok, "boolean");
  assert.ok(Number.isInteger(value.n));
});

// A vision model answering images through this API is tested in tests/vision.test.ts (output equal to libmtmd's own C run).
test("POST /v1/messages images: base64 reaches the model (a text model refuses it), bad base64 and a URL source are clear 400s", opts, async () => {
  // 1×1 PNG
  const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
  const withImage = (data: string) =>
    client.messages.create({
      model: "tiny",
      messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data } }, { type: "text", text: "What is it?" }] }],
      max_tokens: 2,
    });
  await assert.rejects(withImage(png), (error: InstanceType<typeof Anthropic.APIError>) => {
    assert.equal(error.status, 400);
    assert.match(String(error.message), /does not support images/);
    return true;
  });
  await assert.rejects(withImage("!!!!"), (error: InstanceType<typeof Anthropic.APIError>) => {
    assert.equal(error.status, 400);
    assert.match(String(error.message), /messages\.0\.content\.0\.source\.data: illegal base64 data at input byte 0/);
    return true;
  });
  await assert.rejects(
    client.messages.create({
      model: "tiny",
      messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "https://example.com/a.png" } }] }],
      max_tokens: 2,
    }),
    (error: InstanceType<typeof Anthropic.APIError>) => {
      assert.equal(error.status, 400);
      assert.deepEqual(error.error, {
        type: "error",
        error: {
          type: "invalid_request_error",
          message: `messages.0.content.0: image source type 'url' is not supported: send the image as base64 (source.type "base64")`,
        },
      });
      return true;
    },
  );
});

test("POST /v1/messages errors in Anthropic's shape: missing max_tokens, unknown model, bad fields, unknown tool", opts, async () => {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return [response.status, await response.json()];
  };
  const err = (type: string, message: string) => ({ type: "error", error: { type, message } });
  assert.deepEqual(await post("/v1/messages", { model: "tiny", messages: hello }), [400, err("invalid_request_error", "max_tokens: Field required")]);
  assert.deepEqual(
    await post("/v1/messages", { model: "tiny", messages: [], max_tokens: 4 }),
    [400, err("invalid_request_error", "messages: at least one message is required")],
  );
  // an unknown block is named by its path inside the content, not as "expected string or array"
  const [status, body] = await post("/v1/messages", { model: "tiny", messages: [{ role: "user", content: [{ type: "document" }] }], max_tokens: 4 });
  assert.equal(status, 400);
  assert.equal(
    body.error.message,
    `messages.0.content.0.type: Invalid type: Expected ("text" | "image" | "tool_use" | "tool_result" | "thinking" | "redacted_thinking") but received "document"`,
  );
  const nested = await post("/v1/messages", {
    model: "tiny",
    messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text" }] }] }],
    max_tokens: 4,
  });
  assert.deepEqual(nested, [400, err("invalid_request_error", "messages.0.content.0.content.0.text: Field required")]);
  assert.deepEqual(
    await post("/v1/messages", { model: "tiny", messages: hello, max_tokens: 4, tools: [{ type: "bash_20250124", name: "bash" }] }),
    [400, err("invalid_request_error", "tools.0: tool type 'bash_20250124' is not supported (only custom tools with an input_schema)")],
  );
  assert.deepEqual(
    await post("/v1/messages", { model: "tooly", messages: hello, max_tokens: 4, tools: [weatherTool], tool_choice: { type: "tool", name: "nope" } }),
    [400, err("invalid_request_error", `tool_choice names an unknown function "nope"`)],
  );
  assert.deepEqual(
    await post("/v1/messages", { model: "tiny", messages: hello, max_tokens: 4, tools: [weatherTool] }),
    [400, err("invalid_request_error", "registry.ollama.ai/library/tiny:latest does not support tools")],
  );
  assert.deepEqual(await post("/v1/messages/count_tokens", { model: "tiny" }), [400, err("invalid_request_error", "messages: Field required")]);
  // Claude Code adds `?beta=true` to its paths
  const [betaStatus, betaBody] = await post("/v1/messages/count_tokens?beta=true", { model: "tiny", messages: hello });
  assert.equal(betaStatus, 200);
  assert.ok(betaBody.input_tokens > 0);
  const wrongMethod = await fetch(server.url + "/v1/messages");
  assert.equal(wrongMethod.status, 405);
  await wrongMethod.body?.cancel();

  // the SDK reads them as its own typed errors: an unknown model is not_found_error (404), streamed or not
  for (const stream of [false, true]) {
    await assert.rejects(client.messages.create({ model: "claude-none", messages: hello, max_tokens: 4, stream }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.NotFoundError, String(error));
      assert.equal(error.status, 404);
      assert.deepEqual(error.error, err("not_found_error", "model 'claude-none' not found"));
      return true;
    });
  }
  await assert.rejects(client.messages.countTokens({ model: "claude-none", messages: hello }), Anthropic.NotFoundError);
});
