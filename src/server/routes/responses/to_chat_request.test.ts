import { test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { inputMessages, toChatRequest } from "./to_chat_request.ts";
import { ResponsesRequestSchema } from "./schemas.ts";
import { ResponsesError } from "./errors.ts";

const parse = (body: unknown) => v.parse(ResponsesRequestSchema, body);

test("toChatRequest() maps instructions, items, tools, tool_choice, reasoning, format and sampling", () => {
  const { request, toolChoice, oneToolCall, conversation } = toChatRequest(parse({
    model: "m",
    instructions: "be brief",
    input: [
      { role: "developer", content: "dev rules" },
      { type: "message", role: "user", content: [{ type: "input_text", text: "look" }, { type: "input_image", image_url: "data:image/png;base64,AAAA" }] },
      { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "hmm" }] },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "calling", annotations: [] }] },
      { type: "function_call", call_id: "call_1", name: "f", arguments: '{"a":1}' },
      { type: "function_call", call_id: "call_2", name: "g", arguments: "" },
      { type: "function_call_output", call_id: "call_1", output: "4" },
      { type: "function_call_output", call_id: "call_2", output: [{ type: "input_text", text: "5" }] },
    ],
    tools: [{ type: "function", name: "f", description: "d", parameters: { type: "object" }, strict: true }],
    tool_choice: { type: "function", name: "f" },
    parallel_tool_calls: false,
    reasoning: { effort: "minimal", summary: "auto" },
    text: { format: { type: "json_schema", name: "x", schema: { type: "object" } } },
    max_output_tokens: 7,
    temperature: 0.5,
    top_p: 0.9,
    metadata: { k: "v" },
  }));
  assert.deepEqual(request.messages, [
    { role: "system", content: "be brief" },
    { role: "system", content: "dev rules" },
    { role: "user", content: "look", images: ["AAAA"] },
    {
      role: "assistant",
      content: "calling",
      thinking: "hmm",
      tool_calls: [
        { id: "call_1", type: "function", function: { index: 0, name: "f", arguments: { a: 1 } } },
        { id: "call_2", type: "function", function: { index: 1, name: "g", arguments: {} } },
      ],
    },
    { role: "tool", content: "4", tool_call_id: "call_1", tool_name: "f" },
    { role: "tool", content: "5", tool_call_id: "call_2", tool_name: "g" },
  ]);
  // instructions are not part of what a follow-up continues
  assert.deepEqual(conversation, request.messages!.slice(1));
  assert.deepEqual(request.tools, [{ type: "function", function: { name: "f", description: "d", parameters: { type: "object" } } }]);
  assert.deepEqual(toolChoice, { name: "f" });
  assert.equal(oneToolCall, true);
  assert.equal(request.think, "low");
  assert.deepEqual(request.format, { type: "object" });
  assert.deepEqual(request.options, { num_predict: 7, temperature: 0.5, top_p: 0.9 });
});

test("toChatRequest() continues a history: its calls name the outputs that answer them", () => {
  const history = [
    { role: "user", content: "hi" },
    { role: "assistant", content: "", tool_calls: [{ id: "call_9", type: "function", function: { index: 0, name: "w", arguments: {} } }] },
  ];
  const { request, conversation } = toChatRequest(parse({ model: "m", input: [{ type: "function_call_output", call_id: "call_9", output: "ok" }] }), history);
  assert.deepEqual(request.messages!.at(-1), { role: "tool", content: "ok", tool_call_id: "call_9", tool_name: "w" });
  assert.equal(conversation.length, 3);
  assert.deepEqual(inputMessages("plain"), [{ role: "user", content: "plain" }]);
});

test("toChatRequest() tool_choice strings, allowed_tools and json_object", () => {
  const tools = [{ type: "function", name: "a" }, { type: "function", name: "b" }];
  assert.equal(toChatRequest(parse({ model: "m", input: "x", tools, tool_choice: "required" })).toolChoice, "required");
  const allowed = toChatRequest(parse({ model: "m", input: "x", tools, tool_choice: { type: "allowed_tools", mode: "auto", tools: [{ type: "function", name: "b" }] } }));
  assert.deepEqual(allowed.request.tools?.map((t) => t.function.name), ["b"]);
  assert.equal(allowed.toolChoice, "auto");
  assert.equal(toChatRequest(parse({ model: "m", input: "x", text: { format: { type: "json_object" } } })).request.format, "json");
  assert.equal(toChatRequest(parse({ model: "m", input: "x", text: { format: { type: "text" } } })).request.format, undefined);
  assert.equal(toChatRequest(parse({ model: "m", input: "x", reasoning: { effort: "none" } })).request.think, false);
});

test("toChatRequest() leaves out tools that are not functions (hosted, custom), naming their types", () => {
  const { request, skippedTools } = toChatRequest(parse({
    model: "m",
    input: "x",
    tools: [{ type: "web_search" }, { type: "function", name: "f" }, { type: "custom", name: "apply_patch" }],
  }));
  assert.deepEqual(request.tools?.map((t) => t.function.name), ["f"]);
  assert.deepEqual(skippedTools, ["web_search", "custom"]);
  assert.equal(toChatRequest(parse({ model: "m", input: "x", tools: [{ type: "web_search" }] })).request.tools, undefined);
});

test("toChatRequest() refuses what it cannot run, naming the field", () => {
  const refuses = (body: unknown, param: string, message: RegExp) =>
    assert.throws(() => toChatRequest(parse(body)), (error: unknown) => {
      assert.ok(error instanceof ResponsesError);
      assert.equal(error.status, 400);
      assert.equal(error.param, param);
      assert.match(error.message, message);
      return true;
    });
  refuses({ model: "m", input: [{ role: "user", content: [{ type: "input_image", image_url: "https://x/a.png" }] }] }, "input.0.content.0", /image URLs are not supported/);
  refuses({ model: "m", input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }] }, "input.0.content.0", /file_id/);
  refuses({ model: "m", input: [{ role: "user", content: [{ type: "input_image", image_url: "data:image/png;base64,!!" }] }] }, "input.0.content.0", /invalid image input/);
  refuses({ model: "m", input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] }, "input.0.content.0", /input_file/);
  refuses({ model: "m", input: [{ type: "function_call", call_id: "c", name: "f", arguments: "{" }] }, "input.0.arguments", /not valid JSON/);
  refuses({ model: "m", input: [{ type: "function_call", call_id: "c", name: "f", arguments: "[1]" }] }, "input.0.arguments", /JSON object/);
  refuses({ model: "m", input: [{ type: "item_reference", id: "x" }] }, "input.0.type", /item_reference/);
  refuses({ model: "m", input: [{ role: "tool", content: "x" }] }, "input.0.role", /must be/);
  refuses({ model: "m", input: "x", tool_choice: { type: "web_search_preview" } }, "tool_choice.type", /not supported/);
  refuses({ model: "m", input: "x", text: { format: { type: "grammar" } } }, "text.format.type", /not supported/);
  refuses({ model: "m", input: "x", background: true }, "background", /not supported/);
  refuses({ model: "m", input: "x", conversation: "conv_1" }, "conversation", /previous_response_id/);
  refuses({ model: "m", input: [] }, "input", /Missing required parameter/);
  refuses({ model: "m", input: "x", reasoning: { effort: "huge" } }, "reasoning.effort", /invalid reasoning value/);
});
