// Cases from Ollama's model/renderers/functiongemma_test.go and cohere_test.go.
import { test } from "node:test";
import assert from "node:assert/strict";
import { functionGemmaValue, renderFunctionGemma } from "./function_gemma.ts";
import { renderCohere } from "./cohere.ts";
import type { Tool } from "./types.ts";

const weather: Tool = {
  type: "function",
  function: { name: "get_weather", description: "Get weather", parameters: { type: "object", properties: { city: { type: ["string"], description: "City" } } } },
};
const DECL = "<start_function_declaration>declaration:get_weather{description:<escape>Get weather<escape>,parameters:{properties:{city:{description:<escape>City<escape>," +
  "type:<escape>STRING<escape>}},type:<escape>OBJECT<escape>}}<end_function_declaration>";

test("renderFunctionGemma() writes system/developer turns and declares tools", () => {
  assert.equal(renderFunctionGemma({ messages: [{ role: "user", content: "Hello!" }] }), "<bos><start_of_turn>user\nHello!<end_of_turn>\n<start_of_turn>model\n");
  assert.equal(
    renderFunctionGemma({ messages: [{ role: "developer", content: "You are a coding assistant" }, { role: "user", content: "Hello!" }] }),
    "<bos><start_of_turn>developer\nYou are a coding assistant<end_of_turn>\n<start_of_turn>user\nHello!<end_of_turn>\n<start_of_turn>model\n",
  );
  assert.equal(
    renderFunctionGemma({ messages: [{ role: "system", content: "You are a weather expert." }, { role: "user", content: "Weather?" }], tools: [weather] }),
    "<bos><start_of_turn>developer\nYou are a weather expert.\nYou can do function calling with the following functions:" + DECL +
      "<end_of_turn>\n<start_of_turn>user\nWeather?<end_of_turn>\n<start_of_turn>model\n",
  );
  assert.equal(renderFunctionGemma({ messages: [] }), "<bos><start_of_turn>model\n");
  const empty: Tool = { type: "function", function: { name: "test_fn", parameters: { type: "object", properties: {} } } };
  assert.equal(
    renderFunctionGemma({ messages: [{ role: "user", content: "Test" }], tools: [empty] }),
    "<bos><start_of_turn>developer\nYou can do function calling with the following functions:<start_function_declaration>declaration:test_fn{description:<escape><escape>," +
      "parameters:{type:<escape>OBJECT<escape>}}<end_function_declaration><end_of_turn>\n<start_of_turn>user\nTest<end_of_turn>\n<start_of_turn>model\n",
  );
});

test("renderFunctionGemma() writes calls, the response in the model turn, and a following user message inline", () => {
  assert.equal(
    renderFunctionGemma({
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }] },
        { role: "tool", content: "Sunny" },
        { role: "user", content: "Thanks! What about London?" },
      ],
      tools: [weather],
    }),
    "<bos><start_of_turn>developer\nYou can do function calling with the following functions:" + DECL + "<end_of_turn>\n<start_of_turn>user\nWeather?<end_of_turn>\n" +
      "<start_of_turn>model\n<start_function_call>call:get_weather{city:<escape>Paris<escape>}<end_function_call><start_function_response>" +
      "response:get_weather{<escape>Sunny<escape>}<end_function_response>Thanks! What about London?<end_of_turn>\n<start_of_turn>model\n",
  );
  assert.ok(
    renderFunctionGemma({
      messages: [
        { role: "user", content: "Add" },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "add", arguments: { b: 2, a: 1 } } }] },
        { role: "tool", content: "3" },
      ],
    }).endsWith("<start_function_call>call:add{a:1,b:2}<end_function_call><start_function_response>response:add{<escape>3<escape>}<end_function_response>"),
  );
  assert.equal(functionGemmaValue({ z: [1, 2.5, true], a: "x" }), "{a:<escape>x<escape>,z:[1,2.5,true]}");
});

const NO_TOOLS = "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|><|START_TEXT|># Available Tools\n```json\n[\n\n\n\n]\n```<|END_TEXT|><|END_OF_TURN_TOKEN|>";

test("renderCohere() writes the platform turn, history with thinking, and opens thinking", () => {
  assert.equal(
    renderCohere({ messages: [{ role: "user", content: "USERMSG" }] }),
    NO_TOOLS + "<|START_OF_TURN_TOKEN|><|USER_TOKEN|><|START_TEXT|>USERMSG<|END_TEXT|><|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|><|START_THINKING|>",
  );
  assert.equal(
    renderCohere({
      messages: [
        { role: "system", content: "DEVPREAMBLE" },
        { role: "user", content: "Q1" },
        { role: "assistant", content: "A1", thinking: "THINK1" },
        { role: "user", content: "Q2" },
      ],
    }),
    "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|><|START_TEXT|>DEVPREAMBLE\n\n\n\n# Available Tools\n```json\n[\n\n\n\n]\n```<|END_TEXT|><|END_OF_TURN_TOKEN|>" +
      "<|START_OF_TURN_TOKEN|><|USER_TOKEN|><|START_TEXT|>Q1<|END_TEXT|><|END_OF_TURN_TOKEN|>" +
      "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|><|START_THINKING|>THINK1<|END_THINKING|><|START_TEXT|>A1<|END_TEXT|><|END_OF_TURN_TOKEN|>" +
      "<|START_OF_TURN_TOKEN|><|USER_TOKEN|><|START_TEXT|>Q2<|END_TEXT|><|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|><|START_THINKING|>",
  );
  assert.ok(renderCohere({ messages: [{ role: "user", content: "Q" }], think: false }).endsWith("<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|><|START_THINKING|><|END_THINKING|>"));
  assert.ok(renderCohere({ messages: [{ role: "user", content: "Q" }, { role: "assistant", content: "partial" }] }).endsWith("<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|><|START_TEXT|>partial"));
});

test("renderCohere() lists tools, renumbers call ids, merges tool results", () => {
  const tool: Tool = { type: "function", function: { name: "get_weather", description: "Get weather", parameters: { type: "object", required: ["city"], properties: { city: { type: ["string"] } } } } };
  const got = renderCohere({
    messages: [
      { role: "user", content: "weather in Paris?" },
      { role: "assistant", content: "", thinking: "I should call the tool", tool_calls: [{ id: "call_x", function: { name: "get_weather", arguments: { city: "Paris" } } }] },
      { role: "tool", tool_call_id: "call_x", content: "15C sunny" },
      { role: "user", content: "thanks" },
    ],
    tools: [tool],
  });
  assert.ok(got.includes(
    '# Available Tools\n```json\n[\n\n    {"name": "get_weather", "description": "Get weather", "parameters": {"type": "object", "required": ["city"], ' +
      '"properties": {"city": {"type": "string"}}}, "responses": null}\n\n\n]\n```',
  ), got);
  assert.ok(got.includes(
    "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>\n            \n                <|START_THINKING|>I should call the tool<|END_THINKING|><|START_ACTION|>[\n\n" +
      '    {"tool_call_id": "0", "tool_name": "get_weather", "parameters": {"city": "Paris"}}\n\n]<|END_ACTION|><|END_OF_TURN_TOKEN|>',
  ));
  assert.ok(got.includes(
    '<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|><|START_TOOL_RESULT|>[\n    {\n        "tool_call_id": "0",\n        "results": {\n\n            \n' +
      '            "0": {"content": "15C sunny"}\n\n        },\n        "is_error": null\n    }\n\n]<|END_TOOL_RESULT|><|END_OF_TURN_TOKEN|>',
  ));
  const multi = renderCohere({
    messages: [
      { role: "user", content: "go" },
      { role: "assistant", content: "", tool_calls: [{ id: "a", function: { name: "t1", arguments: {} } }, { id: "b", function: { name: "t2", arguments: { x: 1 } } }] },
      { role: "tool", tool_call_id: "a", content: "r1" },
      { role: "tool", tool_call_id: "b", content: "r2" },
    ],
  });
  assert.ok(multi.includes(
    '<|START_ACTION|>[\n\n    {"tool_call_id": "0", "tool_name": "t1", "parameters": {}},\n\n    {"tool_call_id": "1", "tool_name": "t2", "parameters": {"x": 1}}\n\n]<|END_ACTION|>',
  ));
  assert.ok(multi.includes('"tool_call_id": "0",\n        "results": {\n\n            \n            "0": {"content": "r1"}\n\n        },\n        "is_error": null\n    },\n    {\n        "tool_call_id": "1"'));
});
