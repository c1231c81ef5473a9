import { test } from "node:test";
import assert from "node:assert/strict";
import { thinkFromEffort, toChatChunks, toChatCompletion, toChatRequest } from "./chat_mapping.ts";
import type { ChatResponse } from "../../schemas.ts";

test("toChatRequest() maps messages, parts, tool calls and sampling fields", () => {
  const { request, toolChoice } = toChatRequest({
    model: "m",
    messages: [
      { role: "developer", content: "be brief" },
      { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
      { role: "tool", content: "42", tool_call_id: "call_1" },
    ],
    max_tokens: 5,
    stop: "x",
    temperature: 0,
    response_format: { type: "json_object" },
    tool_choice: { type: "function", function: { name: "f" } },
  });
  assert.deepEqual(request.messages![0], { role: "system", content: "be brief" });
  assert.deepEqual(request.messages![1].images, ["AAAA"]);
  assert.deepEqual(request.messages![2].tool_calls![0].function.arguments, { a: 1 });
  assert.equal(request.messages![3].tool_name, "f");
  assert.deepEqual(request.options, { num_predict: 5, stop: ["x"], temperature: 0 });
  assert.equal(request.format, "json");
  assert.deepEqual(toolChoice, { name: "f" });
});

test("toChatRequest() refuses web image URLs and bad tool arguments as Ollama does", () => {
  const user = (content: unknown) => ({ model: "m", messages: [{ role: "user", content }] }) as never;
  assert.throws(() => toChatRequest(user([{ type: "image_url", image_url: "https://x/y.png" }])), /image URLs are not currently supported/);
  assert.throws(() =>
    toChatRequest({ model: "m", messages: [{ role: "assistant", tool_calls: [{ function: { name: "f", arguments: "{" } }] }] } as never), /invalid tool call arguments/);
  assert.equal(thinkFromEffort("none"), false);
  assert.equal(thinkFromEffort("xhigh"), "max");
  assert.throws(() => thinkFromEffort("huge"), /invalid reasoning value/);
});

const final = (extra: Partial<ChatResponse> = {}): ChatResponse => ({
  model: "m",
  created_at: "",
  message: { role: "assistant", content: "" },
  done: true,
  done_reason: "stop",
  prompt_eval_count: 3,
  eval_count: 2,
  ...extra,
});

test("toChatCompletion() reports tool calls with string arguments and usage", () => {
  const out = toChatCompletion(final({
    message: { role: "assistant", content: "", tool_calls: [{ id: "call_x", function: { name: "f", arguments: { a: 1 } } }] },
  }) as ChatResponse, "chatcmpl-1", 0);
  const choice = out.choices[0] as { finish_reason: string; message: { tool_calls: Array<{ function: { arguments: string } }> } };
  assert.equal(choice.finish_reason, "tool_calls");
  assert.equal(choice.message.tool_calls[0].function.arguments, '{"a":1}');
  assert.deepEqual(out.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } });
});

test("toChatChunks() sends the role first, a final finish_reason, then usage", async () => {
  async function* native() {
    yield { ...final(), done: false, message: { role: "assistant" as const, content: "hi", thinking: "hmm" } };
    yield final({ done_reason: "length" });
  }
  const chunks = [];
  for await (const c of toChatChunks(native(), { id: "x", created: 0, model: "m", includeUsage: true })) chunks.push(c);
  const deltas = chunks.map((c) => (c.choices as Array<{ delta: unknown; finish_reason: unknown }>)[0]);
  assert.deepEqual(deltas[0].delta, { role: "assistant", content: "", reasoning: "hmm" });
  assert.deepEqual(deltas[1].delta, { content: "hi" });
  assert.equal(deltas[2].finish_reason, "length");
  assert.deepEqual(chunks[3].choices, []);
  assert.deepEqual(chunks[3].usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } });
});
