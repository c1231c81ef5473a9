import { test } from "node:test";
import assert from "node:assert/strict";
import { jsonPieces, type MessageEvent, toMessageEvents } from "./message_events.ts";
import { toMessage, usageOf } from "./message_response.ts";
import { anthropicError, anthropicErrorBody, anthropicErrorResponse } from "./errors.ts";
import { PROMPT_TOKENS, STOP_SEQUENCE } from "../../generation.ts";
import { eventStreamResponse } from "../../stream.ts";
import { ApiError, serverBusy } from "../../errors.ts";
import type { ChatResponse, ToolCall } from "../../schemas.ts";

const chunk = (content: string, extra: { thinking?: string; tool_calls?: ToolCall[] } = {}): ChatResponse => ({
  model: "m",
  created_at: "",
  message: { role: "assistant", content, ...extra },
  done: false,
});
const final = (fields: Record<string | symbol, unknown> = {}): ChatResponse =>
  ({
    ...chunk(""),
    done: true,
    done_reason: "stop",
    prompt_eval_count: 3,
    eval_count: 5,
    [PROMPT_TOKENS]: 10,
    ...fields,
  }) as ChatResponse;
const call: ToolCall = { id: "call_x", function: { index: 0, name: "f", arguments: { a: [1, 2], b: "x" } } };

async function* chunks(list: ChatResponse[], failAfter?: number) {
  for (let i = 0; i < list.length; i++) {
    if (i === failAfter) throw new ApiError(500, "decode failed");
    yield list[i];
  }
}

async function collect(source: AsyncIterable<MessageEvent>): Promise<MessageEvent[]> {
  const out: MessageEvent[] = [];
  for await (const event of source) out.push(event);
  return out;
}

const meta = { id: "msg_1", model: "m", maxTokens: 5, stopSequences: ["END"], promptReady: Promise.resolve(10) };

test("toMessageEvents() opens a block per kind in the order written, holds whitespace before a call, ends with the reason", async () => {
  const events = await collect(toMessageEvents(
    chunks([chunk("", { thinking: "a" }), chunk("", { thinking: "b" }), chunk("\n\n"), chunk("", { tool_calls: [call] }), final()]),
    meta,
  ));
  const names = events.map((e) => e.type === "content_block_delta" ? `delta:${(e.delta as { type: string }).type}` : e.type);
  assert.deepEqual(names, [
    "message_start",
    "content_block_start",
    "ping",
    "delta:thinking_delta",
    "delta:thinking_delta",
    "content_block_stop",
    "content_block_start",
    ...jsonPieces('{"a":[1,2],"b":"x"}').map(() => "delta:input_json_delta"),
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  assert.deepEqual((events[0].message as { usage: unknown }).usage, {
    input_tokens: 10,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 0,
  });
  const toolStart = events.find((e) => e.type === "content_block_start" && e.index === 1)!;
  assert.match((toolStart.content_block as { id: string }).id, /^toolu_[0-9A-Za-z]{24}$/);
  assert.deepEqual({ ...(toolStart.content_block as object), id: "" }, { type: "tool_use", id: "", name: "f", input: {} });
  assert.deepEqual(events.at(-2), {
    type: "message_delta",
    delta: { stop_reason: "tool_use", stop_sequence: null },
    usage: { input_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 7, output_tokens: 5 },
  });
});

test("toMessageEvents() sends held whitespace with the text that follows it; stop reasons from the final chunk", async () => {
  const events = await collect(toMessageEvents(chunks([chunk(" "), chunk("hi"), chunk(" there"), final({ [STOP_SEQUENCE]: "END" })]), meta));
  const texts = events.filter((e) => e.type === "content_block_delta").map((e) => (e.delta as { text: string }).text);
  assert.deepEqual(texts, [" hi", " there"]);
  assert.deepEqual(events.at(-2)!.delta, { stop_reason: "stop_sequence", stop_sequence: "END" });
  const reason = async (fields: Record<string | symbol, unknown>) =>
    (await collect(toMessageEvents(chunks([final(fields)]), meta))).at(-2)!.delta;
  // a stop string of the model's own parameters is the end of its turn
  assert.deepEqual(await reason({ [STOP_SEQUENCE]: "<|im_end|>" }), { stop_reason: "end_turn", stop_sequence: null });
  assert.deepEqual(await reason({ done_reason: "length" }), { stop_reason: "max_tokens", stop_sequence: null });
  assert.deepEqual(await reason({ done_reason: "length", eval_count: 2 }), { stop_reason: "model_context_window_exceeded", stop_sequence: null });
  // no block at all: the ping still comes, before message_delta
  const empty = await collect(toMessageEvents(chunks([final()]), meta));
  assert.deepEqual(empty.map((e) => e.type), ["message_start", "ping", "message_delta", "message_stop"]);
});

test("disable_parallel_tool_use: only the first call is answered, streamed or not", async () => {
  const second: ToolCall = { id: "call_y", function: { index: 1, name: "g", arguments: {} } };
  const events = await collect(toMessageEvents(chunks([chunk("", { tool_calls: [call, second] }), final()]), { ...meta, oneToolCall: true }));
  const starts = events.filter((e) => e.type === "content_block_start").map((e) => (e.content_block as { name: string }).name);
  assert.deepEqual(starts, ["f"]);
  const all = await collect(toMessageEvents(chunks([chunk("", { tool_calls: [call, second] }), final()]), meta));
  assert.equal(all.filter((e) => e.type === "content_block_start").length, 2);
  const whole = { ...final(), message: { role: "assistant", content: "", tool_calls: [call, second] } } as ChatResponse;
  assert.deepEqual(toMessage(whole, { ...meta, oneToolCall: true }).content.map((b) => b.name), ["f"]);
  assert.equal(toMessage(whole, meta).content.length, 2);
});

test("toMessageEvents() pings while the model is silent", async () => {
  async function* slow() {
    await new Promise((resolve) => setTimeout(resolve, 120));
    yield chunk("x");
    yield final();
  }
  const events = await collect(toMessageEvents(slow(), { ...meta, pingAfterMs: 30 }));
  const beforeText = events.slice(0, events.findIndex((e) => e.type === "content_block_start"));
  assert.ok(beforeText.filter((e) => e.type === "ping").length >= 2, JSON.stringify(beforeText));
});

test("eventStreamResponse() frames named events; a failure before message_start is a status, after it an error event", async () => {
  const ok = await eventStreamResponse(toMessageEvents(chunks([chunk("hi"), final()]), meta), {
    errorBody: anthropicErrorBody,
    errorResponse: anthropicErrorResponse,
  });
  assert.equal(ok.headers.get("content-type"), "text/event-stream");
  const frames = (await ok.text()).split("\n\n").filter(Boolean);
  assert.match(frames[0], /^event: message_start\ndata: \{"type":"message_start",/);
  assert.equal(frames.at(-1), 'event: message_stop\ndata: {"type":"message_stop"}');

  const early = await eventStreamResponse(toMessageEvents(chunks([chunk("x")], 0), { ...meta, promptReady: new Promise(() => {}) }), {
    errorBody: anthropicErrorBody,
    errorResponse: anthropicErrorResponse,
  });
  assert.equal(early.status, 500);
  assert.deepEqual(await early.json(), { type: "error", error: { type: "api_error", message: "decode failed" } });

  const late = await eventStreamResponse(toMessageEvents(chunks([chunk("hi"), final()], 1), meta), {
    errorBody: anthropicErrorBody,
    errorResponse: anthropicErrorResponse,
  });
  assert.equal(late.status, 200);
  const text = await late.text();
  assert.ok(text.endsWith('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"decode failed"}}\n\n'), text);
});

test("anthropicError() gives Anthropic's types and statuses; a full queue is 529 overloaded_error", async () => {
  assert.deepEqual(anthropicError(400), { status: 400, type: "invalid_request_error" });
  assert.deepEqual(anthropicError(404), { status: 404, type: "not_found_error" });
  assert.deepEqual(anthropicError(413), { status: 413, type: "request_too_large" });
  assert.deepEqual(anthropicError(500), { status: 500, type: "api_error" });
  const busy = anthropicErrorResponse(serverBusy());
  assert.equal(busy.status, 529);
  assert.equal((await busy.json()).error.type, "overloaded_error");
});

test("toMessage() and usageOf(): blocks in order, whitespace-only text dropped, usage split computed/cached", () => {
  const message = toMessage(
    { ...final(), message: { role: "assistant", content: "\n", thinking: "t", tool_calls: [call] } } as ChatResponse,
    meta,
  );
  assert.deepEqual(message.content.map((b) => b.type), ["thinking", "tool_use"]);
  assert.equal(message.stop_reason, "tool_use");
  assert.deepEqual(usageOf(final({ [PROMPT_TOKENS]: undefined })), {
    input_tokens: 3,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 5,
  });
});

test("jsonPieces() cuts JSON into pieces that join back to it", () => {
  for (const json of ['{"city":"Paris"}', "{}", '{"a":[1,{"b":"x,y:z"}],"c":null}']) {
    const pieces = jsonPieces(json);
    assert.equal(pieces.join(""), json);
  }
  assert.deepEqual(jsonPieces('{"city":"Paris"}'), ["{", '"city":', '"Paris"', "}"]);
});
