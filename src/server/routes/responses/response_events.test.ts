import { test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { PROMPT_TOKENS } from "../../generation.ts";
import type { ChatResponse, ToolCall } from "../../schemas.ts";
import { eventStreamResponse } from "../../stream.ts";
import { type ResponseEvent, toResponseEvents } from "./response_events.ts";
import { ResponsesRequestSchema } from "./schemas.ts";
import { responsesErrorEvent, responsesErrorResponse } from "./errors.ts";

const chunk = (message: Partial<ChatResponse["message"]>, done = false): ChatResponse => ({
  model: "m",
  created_at: "",
  message: { role: "assistant", content: "", ...message },
  done,
});
const final = (doneReason = "stop", message: Partial<ChatResponse["message"]> = {}) =>
  Object.assign(chunk(message, true), { done_reason: doneReason, prompt_eval_count: 4, eval_count: 9, [PROMPT_TOKENS]: 10 });
const call = (name: string, args: Record<string, unknown>): ToolCall => ({ function: { index: 0, name, arguments: args } });

async function* from(chunks: ChatResponse[], failAt?: number) {
  for (const [i, c] of chunks.entries()) {
    if (i === failAt) throw new Error("the runner died");
    yield c;
  }
}

function meta(extra: { oneToolCall?: boolean; sequence?: { next: number }; done?: unknown[] } = {}) {
  return {
    id: "resp_1",
    createdAt: 1,
    body: v.parse(ResponsesRequestSchema, { model: "m", input: "x" }),
    oneToolCall: extra.oneToolCall,
    promptReady: Promise.resolve(),
    countTokens: (text: string) => Promise.resolve(text.length),
    sequence: extra.sequence ?? { next: 0 },
    onDone: (r: unknown) => extra.done?.push(r),
  };
}

async function collect(source: AsyncIterable<ResponseEvent>): Promise<ResponseEvent[]> {
  const out: ResponseEvent[] = [];
  for await (const e of source) out.push(e);
  return out;
}

test("toResponseEvents() opens one item per kind in the order written, numbers every event, holds whitespace", async () => {
  const done: unknown[] = [];
  const events = await collect(toResponseEvents(
    from([
      chunk({ thinking: "so" }),
      chunk({ thinking: " then" }),
      chunk({ content: "\n\n" }),
      chunk({ content: "Hi" }),
      chunk({ content: "!" }),
      chunk({ content: "\n", tool_calls: [call("f", { a: [1, 2] }), call("g", {})] }),
      final(),
    ]),
    meta({ done }),
  ));
  assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
  assert.deepEqual(events.map((e) => e.type), [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.reasoning_text.delta",
    "response.reasoning_text.delta",
    "response.reasoning_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.output_item.added",
    // {  "a":  [  1,  2  ]  }
    ...Array(7).fill("response.function_call_arguments.delta"),
    "response.function_call_arguments.done",
    "response.output_item.done",
    "response.output_item.added",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.output_item.done",
    "response.completed",
  ]);
  // the whitespace between thinking and text is sent with the text that follows it; after the text, it belongs to it
  const texts = events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta);
  assert.deepEqual(texts, ["\n\nHi", "!", "\n"]);
  const last = events.at(-1)!.response as Record<string, any>;
  assert.deepEqual(last.output.map((i: { type: string }) => i.type), ["reasoning", "message", "function_call", "function_call"]);
  assert.equal(last.output[0].content[0].text, "so then");
  assert.equal(last.output[1].content[0].text, "\n\nHi!\n");
  assert.equal(last.output[2].arguments, '{"a":[1,2]}');
  assert.deepEqual(last.usage, {
    input_tokens: 10,
    input_tokens_details: { cached_tokens: 6 },
    output_tokens: 9,
    output_tokens_details: { reasoning_tokens: 7 },
    total_tokens: 19,
  });
  assert.deepEqual(done, [last]);
});

test("toResponseEvents(): incomplete at the token limit, one call with parallel_tool_calls false", async () => {
  const cut = await collect(toResponseEvents(from([chunk({ content: "Hi" }), final("length")]), meta()));
  const last = cut.at(-1)!;
  assert.equal(last.type, "response.incomplete");
  assert.deepEqual((last.response as Record<string, unknown>).incomplete_details, { reason: "max_output_tokens" });
  assert.equal((cut.find((e) => e.type === "response.output_item.done")!.item as { status: string }).status, "incomplete");

  const one = await collect(toResponseEvents(from([chunk({ tool_calls: [call("f", {}), call("g", {})] }), final()]), meta({ oneToolCall: true })));
  assert.deepEqual(
    one.filter((e) => e.type === "response.output_item.added").map((e) => (e.item as { name: string }).name),
    ["f"],
  );
  assert.equal(one.at(-1)!.type, "response.completed");
});

test("toResponseEvents() through the SSE writer: a failure after the first byte is an error event with the next number", async () => {
  const sequence = { next: 0 };
  const response = await eventStreamResponse(toResponseEvents(from([chunk({ content: "Hi" }), final()], 1), meta({ sequence })), {
    errorBody: (error) => responsesErrorEvent(error, sequence),
    errorResponse: responsesErrorResponse,
  });
  assert.equal(response.status, 200);
  const frames = (await response.text()).trim().split("\n\n");
  const names = frames.map((f) => f.split("\n")[0]);
  assert.deepEqual(names.slice(-2), ["event: response.output_text.delta", "event: error"]);
  const error = JSON.parse(frames.at(-1)!.split("\n")[1].slice(6));
  assert.deepEqual(error, {
    type: "error",
    sequence_number: frames.length - 1,
    code: "api_error",
    message: "the runner died",
    param: null,
    error: { message: "the runner died", type: "api_error", param: null, code: null },
  });

  // a failure before the prompt is rendered is still a status of its own
  const early = await eventStreamResponse(
    toResponseEvents(from([final()], 0), { ...meta(), promptReady: new Promise(() => {}) }),
    { errorBody: (e) => responsesErrorEvent(e, sequence), errorResponse: responsesErrorResponse },
  );
  assert.equal(early.status, 500);
  assert.deepEqual(await early.json(), { error: { message: "the runner died", type: "api_error", param: null, code: null } });
});
