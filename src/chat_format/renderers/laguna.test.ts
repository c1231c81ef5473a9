// Cases from Ollama's model/renderers/laguna_test.go (Laguna v2 = `laguna`, v8 = `poolside-v1`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderLaguna, renderPoolsideV1 } from "./laguna.ts";
import type { Message, Think, Tool } from "./types.ts";

const DEFAULT_SYSTEM = "You are a helpful, conversationally-fluent assistant made by Poolside. You are here to be helpful to users through natural language conversations.";
const weather: Tool[] = [{
  type: "function",
  function: { name: "get_weather", description: "Get weather", parameters: { type: "object", required: ["location"], properties: { location: { type: ["string"], description: "City" } } } },
}];
const TOOL_JSON = '{"type": "function", "function": {"name": "get_weather", "description": "Get weather", "parameters": {"type": "object", "required": ["location"], ' +
  '"properties": {"location": {"type": "string", "description": "City"}}}}}';
const TOOLS_INTRO = "### Tools\n\nYou may call functions to assist with the user query.\nAll available function signatures are listed below:\n<available_tools>\n" + TOOL_JSON + "\n</available_tools>";
const CALL_FORMAT = "<tool_call>function-name\n<arg_key>argument-key</arg_key>\n<arg_value>value-of-argument-key</arg_value>\n</tool_call>";
const history: Message[] = [
  { role: "user", content: "Add these." },
  { role: "assistant", content: "\nCalling the tool.\n", thinking: "Need addition.", tool_calls: [{ function: { name: "add", arguments: { a: 2, b: 3 } } }] },
  { role: "tool", content: "5" },
  { role: "user", content: "Thanks" },
];

const v2 = "〈|EOS|〉<system>\n\n" + DEFAULT_SYSTEM + "\n</system>\n";
const v2Cases: { name: string; messages?: Message[]; tools?: Tool[]; think?: Think; want: string }[] = [
  { name: "empty_messages", want: v2 + "<assistant>\n</think>" },
  { name: "user_only_think", messages: [{ role: "user", content: "Hello" }], think: true, want: v2 + "<user>\nHello\n</user>\n<assistant>\n<think>" },
  { name: "first_system_is_header", messages: [{ role: "system", content: "Stay concise.\n\n" }, { role: "user", content: "Hi" }], want: "〈|EOS|〉<system>\n\nStay concise.\n</system>\n<user>\nHi\n</user>\n<assistant>\n</think>" },
  { name: "empty_first_system_opts_out_of_header", messages: [{ role: "system", content: "" }, { role: "user", content: "Hi" }], want: "〈|EOS|〉<user>\nHi\n</user>\n<assistant>\n</think>" },
  {
    name: "additional_system",
    messages: [{ role: "system", content: "Primary." }, { role: "user", content: "Hi" }, { role: "system", content: "Secondary." }],
    want: "〈|EOS|〉<system>\n\nPrimary.\n</system>\n<user>\nHi\n</user>\n<system>\nSecondary.\n</system>\n<assistant>\n</think>",
  },
  {
    name: "empty_first_system_with_tools",
    messages: [{ role: "system", content: "" }, { role: "user", content: "Weather?" }],
    tools: weather,
    want: "〈|EOS|〉<system>\n\n\n" + TOOLS_INTRO + "\n\nFor each function call, return an unescaped XML-like object with function name and arguments within '<tool_call>' and '</tool_call>' tags, like here:\n" +
      CALL_FORMAT + "\n</system>\n<user>\nWeather?\n</user>\n<assistant>\n</think>",
  },
  {
    name: "tools_in_header",
    messages: [{ role: "system", content: "Stay concise." }, { role: "user", content: "Weather?" }],
    tools: weather,
    think: true,
    want: "〈|EOS|〉<system>\n\nStay concise.\n\n" + TOOLS_INTRO + "\n\nWrap your thinking in '<think>', '</think>' tags, followed by a function call. For each function call, " +
      "return an unescaped XML-like object with function name and arguments within '<tool_call>' and '</tool_call>' tags, like here:\n<think> your thoughts here </think>\n" +
      CALL_FORMAT + "\n</system>\n<user>\nWeather?\n</user>\n<assistant>\n<think>",
  },
  {
    name: "assistant_history",
    messages: history,
    think: true,
    want: v2 + "<user>\nAdd these.\n</user>\n<assistant>\n<think>\nNeed addition.\n</think>\nCalling the tool.\n<tool_call>add\n<arg_key>a</arg_key>\n<arg_value>2</arg_value>\n" +
      "<arg_key>b</arg_key>\n<arg_value>3</arg_value>\n</tool_call>\n</assistant>\n<tool_response>\n5\n</tool_response>\n<user>\nThanks\n</user>\n<assistant>\n<think>",
  },
  {
    name: "assistant_extracts_thinking_from_content",
    messages: [{ role: "user", content: "Explain" }, { role: "assistant", content: "<think>\nPlan\n</think>\nAnswer\n\n" }, { role: "user", content: "Next" }],
    think: true,
    want: v2 + "<user>\nExplain\n</user>\n<assistant>\n<think>\nPlan\n</think>\nAnswer\n</assistant>\n<user>\nNext\n</user>\n<assistant>\n<think>",
  },
  {
    name: "assistant_thinking_metadata_overrides_content_tags",
    messages: [{ role: "user", content: "Explain" }, { role: "assistant", thinking: "Use metadata.", content: "<think>Ignore this</think>\nAnswer" }, { role: "user", content: "Next" }],
    want: v2 + "<user>\nExplain\n</user>\n<assistant>\n<think>\nUse metadata.\n</think>\nAnswer\n</assistant>\n<user>\nNext\n</user>\n<assistant>\n</think>",
  },
  {
    name: "assistant_whitespace_content_only",
    messages: [{ role: "user", content: "Continue" }, { role: "assistant", content: " \n\t " }, { role: "user", content: "Next" }],
    want: v2 + "<user>\nContinue\n</user>\n<assistant>\n</think>\n</assistant>\n<user>\nNext\n</user>\n<assistant>\n</think>",
  },
  {
    name: "assistant_multiple_tool_calls_mixed_args",
    messages: [
      { role: "user", content: "Do calls" },
      {
        role: "assistant",
        content: "",
        tool_calls: [
          { function: { name: "echo", arguments: { text: "hello", count: 2 } } },
          { function: { name: "configure", arguments: { flag: true, options: { mode: "fast" } } } },
        ],
      },
      { role: "user", content: "Done?" },
    ],
    want: v2 + "<user>\nDo calls\n</user>\n<assistant>\n</think>\n<tool_call>echo\n<arg_key>text</arg_key>\n<arg_value>hello</arg_value>\n<arg_key>count</arg_key>\n<arg_value>2</arg_value>\n" +
      '</tool_call>\n<tool_call>configure\n<arg_key>flag</arg_key>\n<arg_value>true</arg_value>\n<arg_key>options</arg_key>\n<arg_value>{"mode": "fast"}</arg_value>\n' +
      "</tool_call>\n</assistant>\n<user>\nDone?\n</user>\n<assistant>\n</think>",
  },
  { name: "assistant prefill", messages: [{ role: "user", content: "Complete this" }, { role: "assistant", content: "Partial" }], want: v2 + "<user>\nComplete this\n</user>\n<assistant>\n</think>\nPartial\n" },
];

for (const c of v2Cases) {
  test(`renderLaguna() ${c.name}`, () => {
    assert.equal(renderLaguna({ messages: c.messages ?? [], tools: c.tools, think: c.think }), c.want);
  });
}

const v8 = "〈|EOS|〉<system>" + DEFAULT_SYSTEM + "</system>\n";
const v8Cases: typeof v2Cases = [
  { name: "empty_messages", want: v8 + "<assistant></think>" },
  { name: "user_only_think", messages: [{ role: "user", content: "Hello" }], think: true, want: v8 + "<user>Hello</user>\n<assistant><think>" },
  { name: "first_system_is_header", messages: [{ role: "system", content: "Stay concise.\n\n" }, { role: "user", content: "Hi" }], want: "〈|EOS|〉<system>Stay concise.</system>\n<user>Hi</user>\n<assistant></think>" },
  { name: "empty_first_system_thinking_enabled", messages: [{ role: "system", content: "" }, { role: "user", content: "Hi" }], think: true, want: "〈|EOS|〉<system></system>\n<user>Hi</user>\n<assistant><think>" },
  {
    name: "empty_first_system_with_tools",
    messages: [{ role: "system", content: "" }, { role: "user", content: "Weather?" }],
    tools: weather,
    want: "〈|EOS|〉<system>" + TOOLS_INTRO + "</system>\n<user>Weather?</user>\n<assistant></think>",
  },
  {
    name: "tools_in_header",
    messages: [{ role: "system", content: "Stay concise." }, { role: "user", content: "Weather?" }],
    tools: weather,
    think: true,
    want: "〈|EOS|〉<system>Stay concise.\n\n" + TOOLS_INTRO + "</system>\n<user>Weather?</user>\n<assistant><think>",
  },
  {
    name: "assistant_history",
    messages: history,
    think: true,
    want: v8 + "<user>Add these.</user>\n<assistant><think>Need addition.</think>\nCalling the tool.\n<tool_call>add<arg_key>a</arg_key><arg_value>2</arg_value>" +
      "<arg_key>b</arg_key><arg_value>3</arg_value></tool_call></assistant>\n<tool_response>5</tool_response>\n<user>Thanks</user>\n<assistant><think>",
  },
];

for (const c of v8Cases) {
  test(`renderPoolsideV1() ${c.name}`, () => {
    assert.equal(renderPoolsideV1({ messages: c.messages ?? [], tools: c.tools, think: c.think }), c.want);
  });
}
