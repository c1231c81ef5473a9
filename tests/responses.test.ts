// OpenAI's Responses API (`/v1/responses`, GET and DELETE `/v1/responses/{id}`) with the real `openai` client against
// a real server running a fixture model through libllama. The weights are random, so the assertions are about
// shapes, event order, sequence numbers, ids, statuses, usage and round trips: tool calls are made certain by
// tool_choice (the grammar that forces a call), and a previous_response_id chain is checked against the same
// conversation sent whole (the same prompt, so the same input_tokens).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as v from "valibot";
import { eventStreamResponse } from "../src/server/stream.ts";
import { toResponseEvents } from "../src/server/routes/responses/response_events.ts";
import { responsesErrorEvent, responsesErrorResponse } from "../src/server/routes/responses/errors.ts";
import { ResponsesRequestSchema } from "../src/server/routes/responses/schemas.ts";
import type { ChatResponse } from "../src/server/schemas.ts";
import { THINKING_TEMPLATE, TOOLS_TEMPLATE } from "./helpers/templates.ts";


const weatherTool = {
  type: "function" as const,
  name: "get_weather",
  description: "Weather in a city",
  parameters: { type: "object", properties: { city: { type: "string", enum: ["Paris", "Oslo"] } }, required: ["city"] },
  strict: true,
};
const timeTool = {
  type: "function" as const,
  name: "get_time",
  description: "Time in a zone",
  parameters: { type: "object", properties: { zone: { type: "string", enum: ["UTC", "CET"] } }, required: ["zone"] },
  strict: true,
};

const skip = fixtureSkip("tiny-spm");
const opts = { skip, timeout: 180_000 };
let server: TestServer;
let client: OpenAI;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  const gguf = await fixtureModel("tiny-spm");
  await installGguf(server.store, "tiny:latest", gguf);
  await installGguf(server.store, "tooly:latest", gguf, { template: TOOLS_TEMPLATE });
  await installGguf(server.store, "thinker:latest", gguf, { template: THINKING_TEMPLATE });
  client = new OpenAI({ baseURL: server.url + "/v1", apiKey: "unused", maxRetries: 0 });
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

interface SseEvent {
  event: string;
  data: Record<string, any>;
}

/** POSTs a body and reads the SSE answer as (event name, JSON data) pairs. */
async function rawEvents(body: unknown): Promise<SseEvent[]> {
  const response = await fetch(server.url + "/v1/responses", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer k" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const text = await response.text();
  assert.ok(text.endsWith("\n\n"), JSON.stringify(text.slice(-40)));
  const events = text.slice(0, -2).split("\n\n").map((frame) => {
    const [eventLine, dataLine, ...rest] = frame.split("\n");
    assert.deepEqual(rest, [], frame);
    assert.match(eventLine, /^event: [a-z_.]+$/);
    assert.match(dataLine, /^data: /);
    return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) };
  });
  // every event names itself and counts up from 0
  events.forEach(({ event, data }, i) => {
    assert.equal(data.type, event);
    assert.equal(data.sequence_number, i);
  });
  return events;
}

/** The event names with each run of one name collapsed. */
function shape(events: SseEvent[]): string[] {
  const names: string[] = [];
  for (const { event } of events) if (names.at(-1) !== event) names.push(event);
  return names;
}

const post = async (path: string, body: unknown, method = "POST") => {
  const response = await fetch(server.url + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return [response.status, await response.json()];
};

test("POST /v1/responses: the response object for string and item input, usage from the prefix cache", opts, async () => {
  const first = await client.responses.create({ model: "tiny", input: "Hello", max_output_tokens: 6, temperature: 0 });
  assert.match(first.id, /^resp_[0-9a-f]{48}$/);
  assert.equal(first.object, "response");
  assert.equal(first.model, "tiny");
  assert.ok(Number.isInteger(first.created_at) && Math.abs(first.created_at - Date.now() / 1000) < 600);
  assert.ok(["completed", "incomplete"].includes(first.status!), String(first.status));
  assert.equal(first.error, null);
  assert.equal(first.output.length, 1, JSON.stringify(first.output));
  const message = first.output[0];
  assert.equal(message.type, "message");
  if (message.type !== "message") return;
  assert.match(message.id, /^msg_[0-9a-f]{48}$/);
  assert.equal(message.role, "assistant");
  assert.equal(message.status, first.status);
  assert.equal(message.content.length, 1);
  const part = message.content[0];
  assert.equal(part.type, "output_text");
  if (part.type !== "output_text") return;
  assert.deepEqual(part.annotations, []);
  // output_text is the SDK's convenience, joined from the parts
  assert.equal(first.output_text, part.text);
  const usage = first.usage!;
  assert.ok(usage.input_tokens > 3, JSON.stringify(usage));
  assert.equal(usage.input_tokens_details.cached_tokens, 0);
  assert.ok(usage.output_tokens > 0 && usage.output_tokens <= 6);
  assert.equal(usage.output_tokens_details.reasoning_tokens, 0);
  assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
  if (first.status === "incomplete") {
    assert.deepEqual(first.incomplete_details, { reason: "max_output_tokens" });
    assert.equal(usage.output_tokens, 6);
  }

  // the same prompt as items (an EasyInputMessage and a typed message with input_text parts): same answer, and
  // most of the prompt now comes from the prefix cache
  const items = await client.responses.create({
    model: "tiny",
    input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "Hello" }] }],
    max_output_tokens: 6,
    temperature: 0,
  });
  assert.equal(items.output_text, first.output_text);
  assert.equal(items.usage!.input_tokens, usage.input_tokens);
  assert.ok(items.usage!.input_tokens_details.cached_tokens > 0, JSON.stringify(items.usage));
  assert.notEqual(items.id, first.id);

  // instructions are a system message: a longer prompt
  const instructed = await client.responses.create({
    model: "tiny",
    instructions: "You are terse.",
    input: [{ role: "user", content: "Hello" }],
    max_output_tokens: 2,
  });
  assert.equal(instructed.instructions, "You are terse.");
  assert.ok(instructed.usage!.input_tokens > usage.input_tokens);
});

test("POST /v1/responses stream: event order, sequence numbers, payloads; the SDK's final response matches", opts, async () => {
  const body = { model: "tiny", input: "Hello", max_output_tokens: 8, temperature: 0 };
  const events = await rawEvents({ ...body, stream: true });
  assert.deepEqual(shape(events), [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.incomplete",
  ]);
  const created = events[0].data.response;
  assert.match(created.id, /^resp_[0-9a-f]{48}$/);
  assert.equal(created.status, "in_progress");
  assert.deepEqual(created.output, []);
  assert.equal(created.usage, null);
  const added = events[2].data;
  assert.equal(added.output_index, 0);
  assert.deepEqual({ ...added.item, id: "" }, { id: "", type: "message", status: "in_progress", role: "assistant", content: [] });
  const itemId = added.item.id;
  assert.deepEqual(events[3].data.part, { type: "output_text", text: "", annotations: [], logprobs: [] });
  const deltas = events.filter((e) => e.event === "response.output_text.delta");
  for (const d of deltas) {
    assert.deepEqual(
      { ...d.data, delta: "" },
      { type: d.event, sequence_number: d.data.sequence_number, item_id: itemId, output_index: 0, content_index: 0, delta: "", logprobs: [] },
    );
  }
  const text = deltas.map((d) => d.data.delta).join("");
  const done = events.find((e) => e.event === "response.output_text.done")!.data;
  assert.equal(done.text, text);
  const final = events.at(-1)!.data.response;
  assert.equal(final.id, created.id);
  assert.equal(final.status, "incomplete");
  assert.deepEqual(final.incomplete_details, { reason: "max_output_tokens" });
  assert.equal(final.usage.output_tokens, 8);
  assert.equal(final.output[0].id, itemId);
  assert.equal(final.output[0].content[0].text, text);
  assert.equal(final.output[0].status, "incomplete");

  // the SDK assembles the same response from its own stream, and the stored one is the final one
  const stream = client.responses.stream(body);
  let streamedText = "";
  stream.on("response.output_text.delta", (event) => (streamedText += event.delta));
  const streamed = await stream.finalResponse();
  const whole = await client.responses.create(body);
  assert.equal(streamed.status, "incomplete");
  assert.equal(streamedText, whole.output_text);
  assert.equal(streamed.output_text, whole.output_text);
  assert.equal(streamed.usage!.output_tokens, whole.usage!.output_tokens);
  const kept = await client.responses.retrieve(streamed.id);
  // (the SDK's stream adds `parsed: null` to each text part)
  assert.deepEqual(kept.output.map((item) => item.id), streamed.output.map((item) => item.id));
  assert.equal(kept.output_text, streamed.output_text);
  assert.equal(kept.status, "incomplete");
  assert.deepEqual(kept.usage, streamed.usage);
});

test("POST /v1/responses stream: a client that leaves mid-stream gives the runner back", opts, async () => {
  const stream = client.responses.stream({ model: "tiny", input: "Hello", max_output_tokens: 1500, temperature: 0 });
  await new Promise((resolve) => stream.once("response.output_text.delta", resolve));
  stream.abort();
  await assert.rejects(stream.finalResponse());
  while (server.scheduler.list().some((entry) => entry.active > 0)) await new Promise((resolve) => setTimeout(resolve, 20));
  const next = await client.responses.create({ model: "tiny", input: "Hello", max_output_tokens: 2 });
  assert.equal(next.object, "response");
});

test("POST /v1/responses previous_response_id: a chain sees the earlier turns; GET, DELETE and store:false", opts, async () => {
  const first = await client.responses.create({ model: "tiny", instructions: "Be brief.", input: "Hello", max_output_tokens: 5, temperature: 0 });
  const second = await client.responses.create({
    model: "tiny",
    previous_response_id: first.id,
    input: "And then?",
    max_output_tokens: 5,
    temperature: 0,
  });
  assert.equal(second.previous_response_id, first.id);
  // a third turn continues the second (and so the first)
  const third = await client.responses.create({ model: "tiny", previous_response_id: second.id, input: "Go on", max_output_tokens: 2 });
  assert.ok(third.usage!.input_tokens > second.usage!.input_tokens + second.usage!.output_tokens);
  // the second turn's prompt is still in the prefix cache (the first's is not all there: its instructions were
  // not carried over, so the second prompt starts differently)
  assert.ok(third.usage!.input_tokens_details.cached_tokens >= second.usage!.input_tokens, JSON.stringify(third.usage));
  // the same conversation sent whole renders the same prompt (instructions are not carried over, as OpenAI says)
  const whole = await client.responses.create({
    model: "tiny",
    input: [
      { role: "user", content: "Hello" },
      ...first.output as OpenAI.Responses.ResponseInputItem[],
      { role: "user", content: "And then?" },
    ],
    max_output_tokens: 5,
    temperature: 0,
  });
  assert.equal(second.usage!.input_tokens, whole.usage!.input_tokens);
  assert.equal(second.output_text, whole.output_text);
  const alone = await client.responses.create({ model: "tiny", input: "And then?", max_output_tokens: 1 });
  assert.ok(second.usage!.input_tokens > alone.usage!.input_tokens + first.usage!.output_tokens, JSON.stringify([second.usage, alone.usage]));

  // GET answers the stored object; DELETE forgets it
  const kept = await client.responses.retrieve(first.id);
  const { output_text: _, ...answered } = first;
  const { output_text: __, ...retrieved } = kept;
  assert.deepEqual(retrieved, answered);
  const [deleteStatus, deleted] = await post(`/v1/responses/${first.id}`, undefined, "DELETE");
  assert.deepEqual([deleteStatus, deleted], [200, { id: first.id, object: "response", deleted: true }]);
  await assert.rejects(client.responses.retrieve(first.id), (error: unknown) => {
    assert.ok(error instanceof OpenAI.NotFoundError, String(error));
    return true;
  });
  await assert.rejects(client.responses.delete(first.id), OpenAI.NotFoundError);
  // the chain built on it is its own copy: the second still continues
  const fourth = await client.responses.create({ model: "tiny", previous_response_id: second.id, input: "Go on", max_output_tokens: 2 });
  assert.equal(fourth.usage!.input_tokens, third.usage!.input_tokens);

  // store:false is answered, not kept
  const unstored = await client.responses.create({ model: "tiny", input: "Hello", max_output_tokens: 2, store: false });
  assert.equal((unstored as { store?: boolean }).store, false);
  await assert.rejects(client.responses.retrieve(unstored.id), OpenAI.NotFoundError);
  const [status, body] = await post("/v1/responses", { model: "tiny", input: "Hi", previous_response_id: unstored.id });
  assert.equal(status, 404);
  assert.deepEqual(body, {
    error: {
      message: `Previous response with id '${unstored.id}' not found.`,
      type: "not_found_error",
      param: "previous_response_id",
      code: "previous_response_not_found",
    },
  });
});

test("POST /v1/responses tools: tool_choice named/required force a call that round-trips through function_call_output", opts, async () => {
  const ask = "What is the weather in Paris?";
  const forced = await client.responses.create({
    model: "tooly",
    input: ask,
    tools: [weatherTool, timeTool],
    tool_choice: { type: "function", name: "get_weather" },
    max_output_tokens: 60,
  });
  assert.equal(forced.status, "completed");
  const call = forced.output.find((item) => item.type === "function_call")!;
  assert.ok(call && call.type === "function_call", JSON.stringify(forced.output));
  assert.match(call.id!, /^fc_[0-9a-f]{48}$/);
  assert.match(call.call_id, /^call_[0-9A-Za-z]{24}$/);
  assert.equal(call.name, "get_weather");
  assert.equal(call.status, "completed");
  assert.ok(["Paris", "Oslo"].includes(JSON.parse(call.arguments).city), call.arguments);
  assert.deepEqual(forced.tool_choice, { type: "function", name: "get_weather" });
  assert.equal(forced.tools.length, 2);

  // the result sent back after the stored call: the conversation goes on
  const chained = await client.responses.create({
    model: "tooly",
    previous_response_id: forced.id,
    input: [{ type: "function_call_output", call_id: call.call_id, output: "18 C and sunny" }],
    tools: [weatherTool, timeTool],
    max_output_tokens: 8,
    temperature: 0,
  });
  assert.ok(["completed", "incomplete"].includes(chained.status!));
  // the same turn sent whole, statelessly (the call replayed as an item): the same prompt
  const replayed = await client.responses.create({
    model: "tooly",
    input: [
      { role: "user", content: ask },
      { type: "function_call", call_id: call.call_id, name: call.name, arguments: call.arguments },
      { type: "function_call_output", call_id: call.call_id, output: "18 C and sunny" },
    ],
    tools: [weatherTool, timeTool],
    max_output_tokens: 8,
    temperature: 0,
    store: false,
  });
  assert.equal(replayed.usage!.input_tokens, chained.usage!.input_tokens);
  assert.deepEqual(replayed.output.map((i) => i.type), chained.output.map((i) => i.type));
  // and the result is in the prompt: a longer output is more tokens
  const longer = await client.responses.create({
    model: "tooly",
    previous_response_id: forced.id,
    input: [{ type: "function_call_output", call_id: call.call_id, output: "18 C and sunny, with a light breeze from the west" }],
    tools: [weatherTool, timeTool],
    max_output_tokens: 1,
    store: false,
  });
  assert.ok(longer.usage!.input_tokens > chained.usage!.input_tokens);

  const required = await client.responses.create({ model: "tooly", input: ask, tools: [weatherTool, timeTool], tool_choice: "required", max_output_tokens: 60 });
  const requiredCall = required.output.find((item) => item.type === "function_call");
  assert.ok(requiredCall && ["get_weather", "get_time"].includes(requiredCall.name), JSON.stringify(required.output));

  const none = await client.responses.create({ model: "tooly", input: ask, tools: [weatherTool], tool_choice: "none", max_output_tokens: 4 });
  assert.ok(none.output.every((item) => item.type === "message"));
  const bare = await client.responses.create({ model: "tooly", input: ask, max_output_tokens: 1 });
  assert.equal(none.usage!.input_tokens, bare.usage!.input_tokens);

  // allowed_tools narrows the tools: required among them calls the one left
  const allowed = await client.responses.create({
    model: "tooly",
    input: ask,
    tools: [weatherTool, timeTool],
    tool_choice: { type: "allowed_tools", mode: "required", tools: [{ type: "function", name: "get_time" }] },
    max_output_tokens: 60,
  });
  assert.equal(allowed.output.find((item) => item.type === "function_call")?.name, "get_time");

  // tools that are not functions (Codex sends web_search with every request) are left out, not refused: a model
  // without tools answers, and a forced call picks among the function tools
  const hosted = await client.responses.create({ model: "tiny", input: ask, tools: [{ type: "web_search" }], max_output_tokens: 1 });
  assert.equal(hosted.object, "response");
  const mixed = await client.responses.create({
    model: "tooly",
    input: ask,
    tools: [{ type: "web_search" }, timeTool],
    tool_choice: "required",
    max_output_tokens: 60,
  });
  assert.equal(mixed.output.find((item) => item.type === "function_call")?.name, "get_time");
});

test("POST /v1/responses tools streamed: a function_call item with its arguments in delta pieces", opts, async () => {
  const body = {
    model: "tooly",
    input: "Weather?",
    tools: [weatherTool],
    tool_choice: { type: "function", name: "get_weather" },
    max_output_tokens: 60,
  };
  const events = await rawEvents({ ...body, stream: true });
  const added = events.filter((e) => e.event === "response.output_item.added").at(-1)!.data;
  assert.equal(added.item.type, "function_call");
  assert.equal(added.item.arguments, "");
  assert.equal(added.item.status, "in_progress");
  assert.match(added.item.call_id, /^call_/);
  const pieces = events.filter((e) => e.event === "response.function_call_arguments.delta");
  assert.ok(pieces.length >= 3, String(pieces.length));
  assert.ok(pieces.every((p) => p.data.item_id === added.item.id && p.data.output_index === added.output_index));
  const done = events.find((e) => e.event === "response.function_call_arguments.done")!.data;
  assert.equal(pieces.map((p) => p.data.delta).join(""), done.arguments);
  assert.equal(done.name, "get_weather");
  assert.ok(["Paris", "Oslo"].includes(JSON.parse(done.arguments).city));
  const itemDone = events.filter((e) => e.event === "response.output_item.done").at(-1)!.data;
  assert.deepEqual(itemDone.item, { ...added.item, arguments: done.arguments, status: "completed" });
  assert.equal(events.at(-1)!.event, "response.completed");
  assert.deepEqual(events.at(-1)!.data.response.output.at(-1), itemDone.item);

  const final = await client.responses.stream(body as never).finalResponse();
  const call = final.output.find((item) => item.type === "function_call");
  assert.ok(call && call.type === "function_call");
  assert.equal(call.name, "get_weather");
  assert.ok(["Paris", "Oslo"].includes(JSON.parse(call.arguments).city));
});

test("POST /v1/responses reasoning: the thinking is a reasoning item (and reasoning_text deltas), effort none turns it off", opts, async () => {
  const params = { model: "thinker", input: "Why?", max_output_tokens: 8, temperature: 0 };
  const thought = await client.responses.create({ ...params, reasoning: { effort: "high" } });
  const reasoning = thought.output[0];
  assert.equal(reasoning?.type, "reasoning", JSON.stringify(thought.output));
  if (reasoning.type !== "reasoning") return;
  assert.match(reasoning.id, /^rs_[0-9a-f]{48}$/);
  assert.deepEqual(reasoning.summary, []);
  const text = reasoning.content![0].text;
  assert.ok(text.length > 0);
  assert.ok(thought.usage!.output_tokens_details.reasoning_tokens > 0, JSON.stringify(thought.usage));
  assert.ok(thought.usage!.output_tokens_details.reasoning_tokens <= thought.usage!.output_tokens);
  const plain = await client.responses.create({ ...params, reasoning: { effort: "none" } });
  assert.ok(plain.output.every((item) => item.type === "message"));
  // a model that cannot think answers an agent's effort without thinking instead of failing
  const tiny = await client.responses.create({ ...params, model: "tiny", reasoning: { effort: "high" } });
  assert.ok(tiny.output.every((item) => item.type === "message"));
  assert.equal(tiny.usage!.output_tokens_details.reasoning_tokens, 0);

  const events = await rawEvents({ ...params, reasoning: { effort: "high" }, stream: true });
  assert.deepEqual(events[3].data.part, { type: "reasoning_text", text: "" });
  const deltas = events.filter((e) => e.event === "response.reasoning_text.delta").map((e) => e.data.delta).join("");
  assert.equal(deltas, text);
  assert.equal(events.find((e) => e.event === "response.reasoning_text.done")!.data.text, text);
  // the SDK's snapshot keeps the reasoning content
  const streamed = await client.responses.stream({ ...params, reasoning: { effort: "high" } }).finalResponse();
  assert.deepEqual((streamed.output[0] as OpenAI.Responses.ResponseReasoningItem).content, reasoning.content);

  // a reasoning item in the input is rendered back as the assistant turn's thinking
  const history = (thinking: boolean): OpenAI.Responses.ResponseInputItem[] => [
    { role: "user", content: "Why?" },
    ...(thinking ? [{ type: "reasoning" as const, id: "rs_1", summary: [], content: [{ type: "reasoning_text" as const, text: "Because of the sky" }] }] : []),
    { role: "assistant", content: "Blue." },
    { role: "user", content: "And then?" },
  ];
  const withThought = await client.responses.create({ model: "thinker", input: history(true), max_output_tokens: 1 });
  const withoutThought = await client.responses.create({ model: "thinker", input: history(false), max_output_tokens: 1 });
  assert.ok(withThought.usage!.input_tokens > withoutThought.usage!.input_tokens);
});

test("POST /v1/responses text.format: json_schema output follows the schema, json_object is JSON", opts, async () => {
  const schema = { type: "object", properties: { ok: { type: "boolean" }, n: { type: "integer" } }, required: ["ok", "n"], additionalProperties: false };
  const r = await client.responses.create({
    model: "tiny",
    input: "JSON please",
    max_output_tokens: 60,
    text: { format: { type: "json_schema", name: "answer", schema, strict: true } },
  });
  const value = JSON.parse(r.output_text);
  assert.deepEqual(Object.keys(value), ["ok", "n"]);
  assert.equal(typeof value.ok, "boolean");
  assert.ok(Number.isInteger(value.n));
  assert.equal(r.text?.format?.type, "json_schema");
  const object = await client.responses.create({ model: "tiny", input: "JSON please", max_output_tokens: 40, text: { format: { type: "json_object" } } });
  if (object.status === "completed") JSON.parse(object.output_text);
  else assert.match(object.output_text, /^\s*[{[]/);
});

// A vision model answering images through this API is tested in tests/vision.test.ts (output equal to libmtmd's own C run).
test("POST /v1/responses images: a data URL reaches the model (a text model refuses it), a remote URL is a clear 400", opts, async () => {
  const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
  await assert.rejects(
    client.responses.create({
      model: "tiny",
      input: [{ role: "user", content: [{ type: "input_image", image_url: `data:image/png;base64,${png}`, detail: "auto" }, { type: "input_text", text: "What is it?" }] }],
      max_output_tokens: 2,
    }),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.match(String(error.message), /does not support images/);
      return true;
    },
  );
  await assert.rejects(
    client.responses.create({
      model: "tiny",
      input: [{ role: "user", content: [{ type: "input_image", image_url: "https://example.com/a.png", detail: "auto" }] }],
      max_output_tokens: 2,
    }),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.deepEqual(error.error, {
        message: "input.0.content.0: image URLs are not supported: send the image as a base64 data URL (data:image/png;base64,...)",
        type: "invalid_request_error",
        param: "input.0.content.0",
        code: "invalid_value",
      });
      return true;
    },
  );
});

test("POST /v1/responses errors in OpenAI's shape: unknown model, bad fields, unknown items and tools, wrong methods", opts, async () => {
  for (const stream of [false, true]) {
    await assert.rejects(client.responses.create({ model: "gpt-none", input: "Hi", stream }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError, String(error));
      assert.equal(error.status, 404);
      assert.deepEqual(error.error, { message: "model 'gpt-none' not found", type: "not_found_error", param: null, code: null });
      return true;
    });
  }
  await assert.rejects(client.responses.create({ model: "tiny", input: "Hi", previous_response_id: "resp_nope" }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.NotFoundError);
    assert.equal(error.code, "previous_response_not_found");
    assert.equal(error.param, "previous_response_id");
    return true;
  });
  const err = (message: string, param: string | null, code: string | null) => ({ error: { message, type: "invalid_request_error", param, code } });
  assert.deepEqual(await post("/v1/responses", { input: "Hi" }), [400, err("Missing required parameter: 'model'.", "model", "missing_required_parameter")]);
  assert.deepEqual(await post("/v1/responses", { model: "tiny" }), [400, err("input: Missing required parameter", "input", "invalid_value")]);
  const [status, body] = await post("/v1/responses", { model: "tiny", input: "Hi", max_output_tokens: "x" });
  assert.equal(status, 400);
  assert.equal(body.error.param, "max_output_tokens");
  assert.deepEqual(
    await post("/v1/responses", { model: "tiny", input: [{ type: "computer_call_output", call_id: "c" }] }),
    [400, err("input.0.type: item type 'computer_call_output' is not supported (message, function_call, function_call_output, reasoning)", "input.0.type", "invalid_value")],
  );
  assert.deepEqual(
    await post("/v1/responses", { model: "tooly", input: "Hi", tools: [weatherTool], tool_choice: { type: "function", name: "nope" } }),
    [400, err(`tool_choice names an unknown function "nope"`, null, null)],
  );
  assert.deepEqual(
    await post("/v1/responses", { model: "tiny", input: "Hi", tools: [weatherTool] }),
    [400, err("registry.ollama.ai/library/tiny:latest does not support tools", null, null)],
  );
  const [badStatus, badBody] = await post("/v1/responses", { model: "tiny", input: "Hi", reasoning: { effort: "huge" } });
  assert.equal(badStatus, 400);
  assert.equal(badBody.error.param, "reasoning.effort");
  const [getStatus, getBody] = await post("/v1/responses/resp_nope", undefined, "GET");
  assert.deepEqual([getStatus, getBody.error.type, getBody.error.param], [404, "not_found_error", "response_id"]);
  for (const [method, path] of [["GET", "/v1/responses"], ["PUT", "/v1/responses/resp_x"]]) {
    const wrong = await fetch(server.url + path, { method });
    assert.equal(wrong.status, 405, `${method} ${path}`);
    await wrong.body?.cancel();
  }
});

test("POST /v1/responses stream: an error after the first byte reaches the openai client as an APIError", async () => {
  // A model cannot be made to fail mid-answer on purpose, so the route's own event source and SSE writer are served
  // over loopback with a chat stream that fails after its first chunk.
  async function* failing(): AsyncGenerator<ChatResponse> {
    yield { model: "m", created_at: "", message: { role: "assistant", content: "Hi" }, done: false };
    throw new Error("the runner died");
  }
  const http = createServer(async (_req, res) => {
    const sequence = { next: 0 };
    const meta = {
      id: "resp_1",
      createdAt: 1,
      body: v.parse(ResponsesRequestSchema, { model: "m", input: "x" }),
      promptReady: Promise.resolve(),
      countTokens: () => Promise.resolve(0),
      sequence,
    };
    const response = await eventStreamResponse(toResponseEvents(failing(), meta), {
      errorBody: (error) => responsesErrorEvent(error, sequence),
      errorResponse: responsesErrorResponse,
    });
    res.writeHead(response.status, { "content-type": response.headers.get("content-type")! });
    res.end(await response.text());
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  try {
    const port = (http.address() as AddressInfo).port;
    const local = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "unused", maxRetries: 0 });
    const seen: string[] = [];
    const stream = local.responses.stream({ model: "m", input: "x" });
    stream.on("event", (event) => seen.push(event.type));
    await assert.rejects(stream.finalResponse(), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.match(error.message, /the runner died/);
      return true;
    });
    assert.deepEqual(seen.slice(0, 2), ["response.created", "response.in_progress"]);
    assert.ok(seen.includes("response.output_text.delta"), seen.join());
  } finally {
    await new Promise((resolve) => http.close(resolve));
  }
});
