import { test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { toChatRequest, toCountRequest } from "./to_chat_request.ts";
import { CountTokensRequestSchema, MessagesRequestSchema } from "./schemas.ts";
import { ApiError } from "../../errors.ts";

const parse = (body: unknown) => v.parse(MessagesRequestSchema, body);

test("toChatRequest() flattens system, blocks, tool_use and tool_result into chat messages", () => {
  const { request, toolChoice } = toChatRequest(parse({
    model: "m",
    max_tokens: 9,
    system: [{ type: "text", text: "be brief", cache_control: { type: "ephemeral" } }, { type: "text", text: "be kind" }],
    messages: [
      { role: "user", content: [{ type: "text", text: "look" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "hmm", signature: "s" },
          { type: "redacted_thinking", data: "xx" },
          { type: "text", text: "calling" },
          { type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "4" }, { type: "text", text: "2" }] },
          { type: "tool_result", tool_use_id: "toolu_1", content: "bad", is_error: true },
          { type: "text", text: "thanks" },
        ],
      },
    ],
    stop_sequences: ["END"],
    temperature: 0.5,
    top_p: 0.9,
    top_k: 20,
    metadata: { user_id: "u" },
    tools: [{ name: "f", description: "d", input_schema: { type: "object", properties: {} } }],
    tool_choice: { type: "any" },
    thinking: { type: "disabled" },
  }));
  assert.deepEqual(request.messages, [
    { role: "system", content: "be brief\n\nbe kind" },
    { role: "user", content: "look", images: ["AAAA"] },
    {
      role: "assistant",
      content: "calling",
      thinking: "hmm",
      tool_calls: [{ id: "toolu_1", type: "function", function: { index: 0, name: "f", arguments: { a: 1 } } }],
    },
    { role: "tool", content: "4\n\n2", tool_call_id: "toolu_1", tool_name: "f" },
    { role: "tool", content: "Error: bad", tool_call_id: "toolu_1", tool_name: "f" },
    { role: "user", content: "thanks" },
  ]);
  assert.deepEqual(request.options, { num_predict: 9, stop: ["END"], temperature: 0.5, top_p: 0.9, top_k: 20 });
  assert.deepEqual(request.tools, [{ type: "function", function: { name: "f", description: "d", parameters: { type: "object", properties: {} } } }]);
  assert.equal(request.think, false);
  assert.equal(request.stream, false);
  assert.equal(toolChoice, "required");
});

test("toChatRequest() maps tool_choice and thinking as the chat core reads them", () => {
  const base = { model: "m", max_tokens: 1, messages: [{ role: "user", content: "x" }] };
  const choice = (tool_choice: unknown) => toChatRequest(parse({ ...base, tool_choice })).toolChoice;
  assert.equal(choice(undefined), undefined);
  assert.equal(choice({ type: "auto" }), "auto");
  assert.equal(choice({ type: "none" }), "none");
  assert.deepEqual(choice({ type: "tool", name: "f" }), { name: "f" });
  assert.equal(toChatRequest(parse({ ...base, tool_choice: { type: "auto" } })).oneToolCall, false);
  assert.equal(toChatRequest(parse({ ...base, tool_choice: { type: "auto", disable_parallel_tool_use: true } })).oneToolCall, true);
  const think = (thinking: unknown) => toChatRequest(parse({ ...base, thinking })).request.think;
  assert.equal(think({ type: "enabled", budget_tokens: 2048 }), undefined);
  assert.equal(think({ type: "adaptive" }), undefined);
  assert.equal(think({ type: "disabled" }), false);
  assert.equal(toChatRequest(parse({ ...base, stream: true })).request.stream, true);
  const schema = { type: "object", properties: { ok: { type: "boolean" } } };
  const format = (output_config: unknown) => toChatRequest(parse({ ...base, output_config })).request.format;
  assert.deepEqual(format({ format: { type: "json_schema", schema } }), schema);
  assert.equal(format({ effort: "high" }), undefined);
});

test("toCountRequest() renders the same messages and tools, without sampling options", () => {
  const body = { model: "m", system: "s", messages: [{ role: "user", content: "x" }], tools: [{ name: "f", input_schema: {} }] };
  const counted = toCountRequest(v.parse(CountTokensRequestSchema, { ...body, max_tokens: "ignored" }));
  const sent = toChatRequest(parse({ ...body, max_tokens: 4, temperature: 1 }));
  assert.deepEqual(counted.request.messages, sent.request.messages);
  assert.deepEqual(counted.request.tools, sent.request.tools);
  assert.deepEqual(counted.request.options, {});
});

test("toChatRequest() refuses image URLs and files, server tools, and tools without a schema", () => {
  const base = { model: "m", max_tokens: 1 };
  const image = (source: unknown) => parse({ ...base, messages: [{ role: "user", content: [{ type: "image", source }] }] });
  assert.throws(() => toChatRequest(image({ type: "url", url: "https://x/y.png" })), (e: ApiError) => {
    assert.equal(e.status, 400);
    assert.match(e.message, /^messages\.0\.content\.0: image source type 'url' is not supported/);
    return true;
  });
  assert.throws(() => toChatRequest(image({ type: "file", file_id: "f" })), /image source type 'file'/);
  const tools = (list: unknown) => parse({ ...base, messages: [{ role: "user", content: "x" }], tools: list });
  assert.throws(() => toChatRequest(tools([{ type: "web_search_20250305", name: "web_search" }])), /tool type 'web_search_20250305' is not supported/);
  assert.throws(() => toChatRequest(tools([{ name: "f" }])), /tools\.0\.input_schema: Field required/);
});

test("MessagesRequestSchema requires max_tokens and messages, and knows the block types", () => {
  assert.equal(v.safeParse(MessagesRequestSchema, { model: "m", messages: [{ role: "user", content: "x" }] }).success, false);
  assert.equal(v.safeParse(MessagesRequestSchema, { model: "m", max_tokens: 0, messages: [{ role: "user", content: "x" }] }).success, false);
  assert.equal(v.safeParse(MessagesRequestSchema, { model: "m", max_tokens: 1, messages: [] }).success, false);
  const video = v.safeParse(MessagesRequestSchema, { model: "m", max_tokens: 1, messages: [{ role: "user", content: [{ type: "video" }] }] });
  assert.equal(video.success, false);
  const ok = v.safeParse(MessagesRequestSchema, { model: "m", max_tokens: 1, messages: [{ role: "user", content: "x" }], service_tier: "auto" });
  assert.equal(ok.success, true);
});
