// Edges of the agent APIs (Anthropic Messages, OpenAI Responses, chat completions) with the real clients against a
// real server and a fixture model: usage for a prompt longer than num_ctx (what the model read, no invented cache
// hits), an empty answer in each API's documented shape, Anthropic's model list for Anthropic clients, and the
// bounds Anthropic puts on a thinking budget.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { TOOLS_TEMPLATE, THINKING_TEMPLATE } from "./helpers/templates.ts";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { eventStreamResponse } from "../src/server/stream.ts";
import { toMessageEvents } from "../src/server/routes/anthropic/message_events.ts";
import { anthropicErrorBody, anthropicErrorResponse } from "../src/server/routes/anthropic/errors.ts";
import type { ChatResponse } from "../src/server/schemas.ts";

const skip = fixtureSkip("tiny-spm");
const opts = { skip, timeout: 240_000 };
const NUM_CTX = 256;
let server: TestServer;
let anthropic: Anthropic;
let openai: OpenAI;
let gguf: string;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  gguf = await fixtureModel("tiny-spm");
  await installGguf(server.store, "tiny:latest", gguf);
  await installGguf(server.store, "short:latest", gguf, { params: { num_ctx: NUM_CTX } });
  await installGguf(server.store, "tooly:latest", gguf, { template: TOOLS_TEMPLATE });
  await installGguf(server.store, "thinker:latest", gguf, { template: THINKING_TEMPLATE });
  anthropic = new Anthropic({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
  openai = new OpenAI({ baseURL: server.url + "/v1", apiKey: "unused", maxRetries: 0 });
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

/** A user message far longer than NUM_CTX tokens (one message: the oldest-message cut cannot shorten it). */
const long = Array.from({ length: 120 }, (_, i) => `item ${i} of the list`).join(", ");

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

interface SseEvent {
  event: string;
  data: Record<string, any>;
}

async function sse(path: string, body: unknown, headers: Record<string, string> = {}): Promise<SseEvent[]> {
  const response = await fetch(server.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  const text = await response.text();
  return text.trim().split("\n\n").map((frame) => {
    const lines = frame.split("\n");
    const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "";
    const data = lines.find((l) => l.startsWith("data: "))?.slice(6) ?? "null";
    return { event, data: data === "[DONE]" ? {} : JSON.parse(data) };
  });
}

test("a prompt longer than num_ctx: usage counts the tokens read, the cache only what it held (Anthropic, Responses, chat)", opts, async () => {
  const messages = [{ role: "user" as const, content: long }];
  const counted = await anthropic.messages.countTokens({ model: "short", messages });
  // count_tokens is the whole rendered prompt: more than the context holds
  assert.ok(counted.input_tokens > NUM_CTX, String(counted.input_tokens));

  // first request to a fresh model: nothing is cached; message_start and message_delta agree
  const events = await sse("/v1/messages", { model: "short", messages, max_tokens: 4, temperature: 0, stream: true }, {
    "anthropic-version": "2023-06-01",
  });
  const start = events.find((e) => e.event === "message_start")!.data.message.usage;
  const delta = events.find((e) => e.event === "message_delta")!.data.usage;
  assert.ok(start.input_tokens < NUM_CTX && start.input_tokens > NUM_CTX / 4, JSON.stringify(start));
  assert.equal(start.cache_read_input_tokens, 0);
  assert.equal(delta.cache_read_input_tokens, 0, JSON.stringify(delta));
  assert.equal(delta.input_tokens, start.input_tokens);

  // the same request again: the kept prompt comes from the prefix cache; the parts add up to the same tokens read
  const again = await anthropic.messages.create({ model: "short", messages, max_tokens: 4, temperature: 0 } as never);
  assert.ok(again.usage.cache_read_input_tokens! > 0, JSON.stringify(again.usage));
  assert.ok(again.usage.cache_read_input_tokens! < start.input_tokens);
  assert.equal(again.usage.input_tokens + again.usage.cache_read_input_tokens!, start.input_tokens);

  const response = await openai.responses.create({ model: "short", input: long, max_output_tokens: 4, temperature: 0 });
  assert.equal(response.usage!.input_tokens, start.input_tokens, JSON.stringify(response.usage));
  assert.ok(response.usage!.input_tokens_details.cached_tokens <= response.usage!.input_tokens);

  const chat = await openai.chat.completions.create({ model: "short", messages, max_tokens: 4, temperature: 0 });
  assert.equal(chat.usage!.prompt_tokens, start.input_tokens, JSON.stringify(chat.usage));
  assert.ok(chat.usage!.prompt_tokens_details!.cached_tokens! > 0, JSON.stringify(chat.usage));
  assert.ok(chat.usage!.prompt_tokens_details!.cached_tokens! < chat.usage!.prompt_tokens);
});

test("an empty answer: Anthropic's content [] (and no block in the stream), Responses' message with an empty output_text", opts, async () => {
  // greedy output's first visible character as the model's own stop string: the answer is empty
  const probe = await anthropic.messages.create({ model: "tiny", messages: [{ role: "user", content: "Hi" }], max_tokens: 8, temperature: 0 } as never);
  const text = probe.content.map((b) => (b.type === "text" ? b.text : "")).join("");
  const first = text.trim()[0];
  assert.ok(first, JSON.stringify(text));
  await installGguf(server.store, "mute:latest", gguf, { params: { stop: [first] } });
  const params = { model: "mute", messages: [{ role: "user" as const, content: "Hi" }], max_tokens: 8, temperature: 0 };

  const message = await anthropic.messages.create(params as never);
  assert.deepEqual(message.content, []);
  assert.equal(message.stop_reason, "end_turn");
  const events = await sse("/v1/messages", { ...params, stream: true }, { "anthropic-version": "2023-06-01" });
  assert.deepEqual(events.map((e) => e.event), ["message_start", "ping", "message_delta", "message_stop"]);
  assert.equal(events[2].data.delta.stop_reason, "end_turn");
  const streamed = await anthropic.messages.stream(params as never).finalMessage();
  assert.deepEqual(streamed.content, []);

  const response = await openai.responses.create({ model: "mute", input: "Hi", max_output_tokens: 8, temperature: 0 });
  assert.equal(response.status, "completed");
  assert.equal(response.output.length, 1);
  const item = response.output[0] as { type: string; content: Array<{ type: string; text: string }> };
  assert.equal(item.type, "message");
  assert.equal(item.content.length, 1);
  assert.equal(item.content[0].type, "output_text");
  assert.equal(item.content[0].text.trim(), "");
  assert.equal(response.output_text.trim(), "");
  const stream = openai.responses.stream({ model: "mute", input: "Hi", max_output_tokens: 8, temperature: 0 });
  const names: string[] = [];
  for await (const event of stream) names.push(event.type);
  assert.deepEqual(names.filter((n) => !n.endsWith(".delta")), [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
  ]);
  const final = await stream.finalResponse();
  assert.equal(final.output[0].type, "message");
});

test("GET /v1/models: Anthropic's list and model shapes for Anthropic clients, OpenAI's for OpenAI clients", opts, async () => {
  const listed = [];
  for await (const model of anthropic.models.list()) listed.push(model);
  const ids = listed.map((m) => m.id);
  for (const name of ["tiny:latest", "short:latest"]) assert.ok(ids.includes(name), JSON.stringify(ids));
  for (const model of listed) {
    assert.deepEqual(Object.keys(model).sort(), ["created_at", "display_name", "id", "type"]);
    assert.equal(model.type, "model");
    assert.match(model.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  // paged one at a time, the SDK follows after_id to the end
  const paged = [];
  for await (const model of anthropic.models.list({ limit: 1 })) paged.push(model.id);
  assert.deepEqual(paged, ids);
  const page = await fetch(server.url + "/v1/models?limit=1", { headers: { "anthropic-version": "2023-06-01" } });
  const body = await page.json();
  assert.equal(body.has_more, ids.length > 1);
  assert.equal(body.first_id, ids[0]);
  assert.equal(body.last_id, ids[0]);

  const one = await anthropic.models.retrieve("tiny");
  assert.deepEqual({ type: one.type, id: one.id, display_name: one.display_name }, { type: "model", id: "tiny", display_name: "tiny:latest" });
  await assert.rejects(anthropic.models.retrieve("nope"), (error: any) => {
    assert.equal(error.status, 404);
    assert.equal(error.error?.type, "error");
    assert.equal(error.error?.error?.type, "not_found_error");
    return true;
  });

  const openaiList = await openai.models.list();
  assert.ok(openaiList.data.every((m) => m.object === "model" && typeof m.created === "number"));
  const openaiOne = await openai.models.retrieve("tiny");
  assert.equal(openaiOne.object, "model");
});

test("POST /v1/messages thinking.budget_tokens: below 1024 or not below max_tokens is Anthropic's 400", opts, async () => {
  const params = { model: "tiny", messages: [{ role: "user" as const, content: "Hi" }], temperature: 0 };
  const refused = async (body: Record<string, unknown>, pattern: RegExp) => {
    await assert.rejects(anthropic.messages.create({ ...params, ...body } as never), (error: any) => {
      assert.equal(error.status, 400);
      assert.equal(error.error?.error?.type, "invalid_request_error");
      assert.match(error.error?.error?.message, pattern);
      return true;
    });
  };
  await refused({ max_tokens: 4000, thinking: { type: "enabled", budget_tokens: 1023 } }, /budget_tokens.*1024/);
  await refused({ max_tokens: 1024, thinking: { type: "enabled", budget_tokens: 1024 } }, /max_tokens.*budget_tokens/);
  const stop_sequences = [await stopAfter("tiny", "Hi", 6)];
  const ok = await anthropic.messages.create({ ...params, max_tokens: 1025, stop_sequences, thinking: { type: "enabled", budget_tokens: 1024 } } as never);
  assert.equal(ok.type, "message");
});

const weatherTool = {
  name: "get_weather",
  description: "Weather in a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string", enum: ["Paris", "Oslo"] } }, required: ["city"] },
};

test("POST /v1/messages stream: an error after the first byte is an `event: error` the SDK throws", opts, async () => {
  // A model cannot be made to fail mid-answer on purpose: the route's event source and SSE writer are served over
  // loopback with a chat stream that fails after its first chunk.
  async function* failing(): AsyncGenerator<ChatResponse> {
    yield { model: "m", created_at: "", message: { role: "assistant", content: "Hi" }, done: false };
    throw new Error("the runner died");
  }
  let body = "";
  const http = createServer(async (_req, res) => {
    const response = await eventStreamResponse(toMessageEvents(failing(), { id: "msg_1", model: "m", promptReady: Promise.resolve(3) }), {
      errorBody: anthropicErrorBody,
      errorResponse: anthropicErrorResponse,
    });
    body = await response.text();
    res.writeHead(response.status, { "content-type": response.headers.get("content-type")! });
    res.end(body);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  try {
    const local = new Anthropic({ baseURL: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, apiKey: "k", maxRetries: 0 });
    const stream = local.messages.stream({ model: "m", max_tokens: 5, messages: [{ role: "user", content: "x" }] });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    await assert.rejects(stream.finalMessage(), (error: any) => {
      assert.match(String(error.message ?? error), /the runner died/);
      return true;
    });
    assert.deepEqual(texts, ["Hi"]);
    const last = body.trim().split("\n\n").at(-1)!;
    assert.equal(last.split("\n")[0], "event: error");
    assert.deepEqual(JSON.parse(last.split("\n")[1].slice(6)), { type: "error", error: { type: "api_error", message: "the runner died" } });
  } finally {
    await new Promise((resolve) => http.close(resolve));
  }
});

test("a full queue: Anthropic's 529 overloaded_error, OpenAI's 503, streamed or not", opts, async () => {
  await using busy = await startTestServer({ scheduler: { maxQueue: () => 0 } });
  await installGguf(busy.store, "tiny:latest", gguf);
  const local = new Anthropic({ baseURL: busy.url, apiKey: "k", maxRetries: 0 });
  for (const stream of [false, true]) {
    await assert.rejects(local.messages.create({ model: "tiny", max_tokens: 4, messages: [{ role: "user", content: "x" }], stream } as never), (error: any) => {
      assert.equal(error.status, 529);
      assert.equal(error.error?.type, "error");
      assert.equal(error.error?.error?.type, "overloaded_error");
      return true;
    });
  }
  const openaiBusy = new OpenAI({ baseURL: busy.url + "/v1", apiKey: "k", maxRetries: 0 });
  for (const stream of [false, true]) {
    await assert.rejects(openaiBusy.responses.create({ model: "tiny", input: "x", stream } as never), (error: any) => {
      assert.equal(error.status, 503);
      assert.equal(typeof error.error?.message, "string");
      return true;
    });
  }
});

test("metadata is accepted (Anthropic, with top_k and top_p) and echoed (Responses)", opts, async () => {
  const message = await anthropic.messages.create({
    model: "tiny",
    max_tokens: 3,
    messages: [{ role: "user", content: "Hi" }],
    metadata: { user_id: "user-1" },
    top_k: 1,
    top_p: 0.9,
  } as never) as Anthropic.Message;
  assert.equal(message.type, "message");
  const response = await openai.responses.create({ model: "tiny", input: "Hi", max_output_tokens: 3, metadata: { run: "7" } });
  assert.deepEqual(response.metadata, { run: "7" });
});

test("POST /v1/responses parallel_tool_calls false: one forced call; echoed either way", opts, async () => {
  const tools = [{ type: "function" as const, name: weatherTool.name, description: weatherTool.description, parameters: weatherTool.input_schema, strict: false }];
  for (const parallel of [false, true]) {
    const response = await openai.responses.create({
      model: "tooly",
      input: "Weather?",
      tools,
      tool_choice: "required",
      parallel_tool_calls: parallel,
      max_output_tokens: 80,
      temperature: 0,
    });
    const calls = response.output.filter((item) => item.type === "function_call");
    if (!parallel) assert.equal(calls.length, 1, JSON.stringify(response.output));
    else assert.ok(calls.length >= 1, JSON.stringify(response.output));
    assert.equal(response.parallel_tool_calls, parallel);
  }
});

test("POST /v1/responses reasoning input items: the thinking of an earlier turn is rendered back into the prompt", opts, async () => {
  const turn = (reasoning: boolean) => [
    { role: "user" as const, content: "Why?" },
    ...(reasoning ? [{ type: "reasoning" as const, id: "rs_1", summary: [], content: [{ type: "reasoning_text" as const, text: "Because of the sky" }] }] : []),
    { type: "message" as const, role: "assistant" as const, content: [{ type: "output_text" as const, text: "Blue.", annotations: [] }] },
    { role: "user" as const, content: "And then?" },
  ];
  const plain = await openai.responses.create({ model: "thinker", input: turn(false) as never, max_output_tokens: 2, store: false });
  const withReasoning = await openai.responses.create({ model: "thinker", input: turn(true) as never, max_output_tokens: 2, store: false });
  assert.ok(withReasoning.usage!.input_tokens > plain.usage!.input_tokens, `${withReasoning.usage!.input_tokens} vs ${plain.usage!.input_tokens}`);
});
