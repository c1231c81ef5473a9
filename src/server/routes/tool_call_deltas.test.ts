// The three OpenAI/Anthropic stream mappers over chat chunks that carry tool-call argument deltas (the chat core's
// TOOL_CALL_DELTAS key): pieces as they come, the whole call closing what they opened, a cut-off call no call.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { PROMPT_TOKENS, TOOL_CALL_DELTAS } from "../generation.ts";
import type { ToolCallDelta } from "../deps.ts";
import type { ChatResponse, ToolCall } from "../schemas.ts";
import { toChatChunks } from "./openai/chat_mapping.ts";
import { toMessageEvents } from "./anthropic/message_events.ts";
import { toResponseEvents } from "./responses/response_events.ts";
import { ResponsesRequestSchema } from "./responses/schemas.ts";

const chunk = (deltas: ToolCallDelta[], calls: ToolCall[] = []): ChatResponse =>
  ({
    model: "m",
    created_at: "",
    message: { role: "assistant", content: "", ...(calls.length ? { tool_calls: calls } : {}) },
    done: false,
    [TOOL_CALL_DELTAS]: deltas,
  }) as ChatResponse;
const final = (doneReason = "stop"): ChatResponse =>
  ({
    model: "m",
    created_at: "",
    message: { role: "assistant", content: "" },
    done: true,
    done_reason: doneReason,
    prompt_eval_count: 3,
    eval_count: 5,
    [PROMPT_TOKENS]: 10,
  }) as ChatResponse;
const d = (args: string): ToolCallDelta => ({ index: 0, id: "call_1", name: "f", arguments: args });
const whole: ToolCall = { id: "call_1", function: { index: 0, name: "f", arguments: { a: 1 } } };
// as written: the whole call's JSON text is the pieces joined, spacing and all
const streamed = [chunk([d(""), d('{"a"')]), chunk([d(": 1}")]), chunk([], [whole]), final()];
const cut = [chunk([d(""), d('{"a"')]), final("length")];

async function* from(list: ChatResponse[]) {
  yield* list;
}
async function all<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

test("toChatChunks(): the first piece carries the id and name, the whole call adds nothing, finish is tool_calls", async () => {
  const out = await all(toChatChunks(from(streamed), { id: "c", created: 1, model: "m", includeUsage: false })) as any[];
  const calls = out.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
  assert.deepEqual(calls, [
    { index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "" } },
    { index: 0, function: { arguments: '{"a"' } },
    { index: 0, function: { arguments: ": 1}" } },
  ]);
  assert.equal(out.at(-1).choices[0].finish_reason, "tool_calls");
  const stopped = await all(toChatChunks(from(cut), { id: "c", created: 1, model: "m", includeUsage: false })) as any[];
  assert.equal(stopped.at(-1).choices[0].finish_reason, "length");
});

test("toMessageEvents(): a tool_use block opens at the first piece, its pieces are input_json_delta, the call closes it", async () => {
  const meta = { id: "msg_1", model: "m", maxTokens: 50, promptReady: Promise.resolve(10) };
  const events = await all(toMessageEvents(from(streamed), meta));
  const names = events.map((e) => e.type === "content_block_delta" ? (e.delta as { partial_json: string }).partial_json : e.type);
  assert.deepEqual(names, ["message_start", "content_block_start", "ping", '{"a"', ": 1}", "content_block_stop", "message_delta", "message_stop"]);
  assert.equal((events[1].content_block as { type: string }).type, "tool_use");
  assert.equal((events.at(-2)!.delta as { stop_reason: string }).stop_reason, "tool_use");
  const stopped = await all(toMessageEvents(from(cut), { ...meta, maxTokens: 5 }));
  assert.equal(stopped.filter((e) => e.type === "content_block_stop").length, 1);
  assert.equal((stopped.at(-2)!.delta as { stop_reason: string }).stop_reason, "max_tokens");
});

test("toResponseEvents(): a function_call item opens at the first piece, .done has the joined arguments", async () => {
  const meta = {
    id: "resp_1",
    createdAt: 1,
    body: v.parse(ResponsesRequestSchema, { model: "m", input: "x" }),
    promptReady: Promise.resolve(),
    countTokens: (text: string) => Promise.resolve(text.length),
    sequence: { next: 0 },
  };
  const events = await all(toResponseEvents(from(streamed), meta));
  assert.deepEqual(events.map((e) => e.type), [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.output_item.done",
    "response.completed",
  ]);
  assert.equal(events[5].arguments, '{"a": 1}');
  const item = events[6].item as { id: string; arguments: string; status: string };
  assert.deepEqual([item.id, item.arguments, item.status], [(events[2].item as { id: string }).id, '{"a": 1}', "completed"]);
  const response = events[7].response as { output: unknown[] };
  assert.deepEqual(response.output, [item]);
  const stopped = await all(toResponseEvents(from(cut), { ...meta, sequence: { next: 0 } }));
  assert.equal(stopped.at(-1)!.type, "response.incomplete");
  assert.equal((stopped.at(-2)!.item as { status: string }).status, "incomplete");
});
