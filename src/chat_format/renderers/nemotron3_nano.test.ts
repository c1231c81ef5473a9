// Cases from Ollama's model/renderers/nemotron3nano_reference_test.go and nemotron3nano_test.go.
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderNemotron35Nano, renderNemotron3Nano } from "./nemotron3_nano.ts";
import { QWEN_TOOL_REMINDER } from "./qwen3_coder.ts";
import type { Message, Think, Tool } from "./types.ts";

const SYS = "<|im_start|>system\n<|im_end|>\n";
const cases: { name: string; messages: Message[]; think?: Think; tools?: Tool[]; expected: string }[] = [
  { name: "no system default thinking on", messages: [{ role: "user", content: "Hello" }], expected: SYS + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n" },
  { name: "explicit thinking off", messages: [{ role: "user", content: "Hello" }], think: false, expected: SYS + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think></think>" },
  { name: "literal endthink does not enable thinking", messages: [{ role: "user", content: "literal </think> only" }], think: false, expected: SYS + "<|im_start|>user\nliteral </think> only<|im_end|>\n<|im_start|>assistant\n<think></think>" },
  { name: "user no think toggle", messages: [{ role: "user", content: "Hello /no_think" }], think: true, expected: SYS + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think></think>" },
  {
    name: "system think toggle overrides false",
    messages: [{ role: "system", content: "Policy /think" }, { role: "user", content: "Hello" }],
    think: false,
    expected: "<|im_start|>system\nPolicy <|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n",
  },
  {
    name: "system sanitizes toggles but preserves closing tag",
    messages: [{ role: "system", content: "A /think B /no_think C </think>" }, { role: "user", content: "Hello" }],
    think: false,
    expected: "<|im_start|>system\nA  B  C </think><|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n",
  },
  {
    name: "assistant reasoning content",
    messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Answer", thinking: "Need to think" }],
    think: true,
    expected: SYS + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nNeed to think\n</think>\nAnswer<|im_end|>\n<|im_start|>assistant\n<think>\n",
  },
  {
    name: "assistant tool call with structured arguments",
    messages: [
      { role: "user", content: "Create data" },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "create", arguments: { payload: { count: 42, nested: { value: "ok" } }, tags: ["a", "b"] } } }] },
    ],
    think: true,
    expected: SYS + "<|im_start|>user\nCreate data<|im_end|>\n<|im_start|>assistant\n<think></think>\n<tool_call>\n<function=create>\n<parameter=payload>\n" +
      '{"count": 42, "nested": {"value": "ok"}}\n</parameter>\n<parameter=tags>\n["a", "b"]\n</parameter>\n</function>\n</tool_call>\n<|im_end|>\n<|im_start|>assistant\n<think>\n',
  },
  {
    name: "assistant tool call truncated with reasoning",
    messages: [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: "Checking now.", thinking: "Need weather", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }] },
      { role: "user", content: "And tomorrow?" },
    ],
    think: true,
    expected: SYS + "<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n<think></think>Checking now.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n" +
      "</parameter>\n</function>\n</tool_call>\n<|im_end|>\n<|im_start|>user\nAnd tomorrow?<|im_end|>\n<|im_start|>assistant\n<think>\n",
  },
  {
    name: "assistant truncated reasoning content",
    messages: [{ role: "user", content: "Hi" }, { role: "assistant", thinking: "hidden", content: "Visible" }, { role: "user", content: "Next" }],
    think: true,
    expected: SYS + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think></think>\nVisible<|im_end|>\n<|im_start|>user\nNext<|im_end|>\n<|im_start|>assistant\n<think>\n",
  },
  {
    name: "consecutive tool messages grouped",
    messages: [
      { role: "user", content: "Do work" },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "step", arguments: { value: 1 } } }] },
      { role: "tool", content: "one" },
      { role: "tool", content: "two" },
    ],
    think: true,
    expected: SYS + "<|im_start|>user\nDo work<|im_end|>\n<|im_start|>assistant\n<think></think>\n<tool_call>\n<function=step>\n<parameter=value>\n1\n</parameter>\n</function>\n" +
      "</tool_call>\n<|im_end|>\n<|im_start|>user\n<tool_response>\none\n</tool_response>\n<tool_response>\ntwo\n</tool_response>\n<|im_end|>\n<|im_start|>assistant\n<think>\n",
  },
  { name: "fallback role", messages: [{ role: "developer", content: "Custom role content" }], think: true, expected: SYS + "<|im_start|>developer\nCustom role content<|im_end|>\n<|im_start|>assistant\n<think>\n" },
  {
    name: "image offsets increment across messages",
    messages: [
      { role: "user", content: "Describe the first image.", images: ["AA=="] },
      { role: "assistant", content: "It shows something." },
      { role: "user", content: "Compare these.", images: ["AA==", "AQ=="] },
    ],
    expected: SYS + "<|im_start|>user\n[img-0] Describe the first image.<|im_end|>\n<|im_start|>assistant\n<think></think>It shows something.<|im_end|>\n" +
      "<|im_start|>user\n[img-1][img-2] Compare these.<|im_end|>\n<|im_start|>assistant\n<think>\n",
  },
];

for (const c of cases) {
  test(`renderNemotron3Nano() ${c.name}`, () => {
    assert.equal(renderNemotron3Nano({ messages: c.messages, tools: c.tools, think: c.think }), c.expected);
  });
}

const referenceTools: Tool[] = [{
  type: "function",
  function: {
    name: "search_docs",
    description: "Search docs",
    parameters: {
      type: "object",
      $defs: { shared: { type: "string" } },
      required: ["query"],
      properties: {
        query: { type: ["string"], description: "Search query", enum: ["api", "cli"] },
        mode: { type: ["string", "null"], description: "Mode", anyOf: [{ type: ["string"] }, { type: ["number"] }] },
        payload: { type: ["object"], description: "Payload", properties: { enabled: { type: ["boolean"] } }, required: ["enabled"] },
        tags: { type: ["array"], description: "Tags", items: { type: "string" } },
      },
    },
  },
}];

test("renderNemotron3Nano() writes tools as XML with Python-style JSON after the system message", () => {
  const tools = "# Tools\n\nYou have access to the following functions:\n\n<tools>\n<function>\n<name>search_docs</name>\n<description>Search docs</description>\n<parameters>\n" +
    '<parameter>\n<name>query</name>\n<type>string</type>\n<description>Search query</description>\n<enum>["api", "cli"]</enum>\n</parameter>\n' +
    "<parameter>\n<name>mode</name>\n<type>['string', 'null']</type>\n<description>Mode</description>\n" + '<anyOf>[{"type": "string"}, {"type": "number"}]</anyOf>\n</parameter>\n' +
    '<parameter>\n<name>payload</name>\n<type>object</type>\n<description>Payload</description>\n<properties>{"enabled": {"type": "boolean"}}</properties>\n<required>["enabled"]</required>\n</parameter>\n' +
    '<parameter>\n<name>tags</name>\n<type>array</type>\n<description>Tags</description>\n<items>{"type": "string"}</items>\n</parameter>\n' +
    '<$defs>{"shared": {"type": "string"}}</$defs>\n<required>["query"]</required>\n</parameters>\n</function>\n</tools>' + QWEN_TOOL_REMINDER;
  assert.equal(
    renderNemotron3Nano({ messages: [{ role: "system", content: "Follow policy." }, { role: "user", content: "Use a tool" }], tools: referenceTools, think: true }),
    `<|im_start|>system\nFollow policy.\n\n${tools}<|im_end|>\n<|im_start|>user\nUse a tool<|im_end|>\n<|im_start|>assistant\n<think>\n`,
  );
});

test("renderNemotron35Nano() keeps toggles as text, writes reasoning without newlines, marks medium effort", () => {
  assert.equal(
    renderNemotron35Nano({ messages: [{ role: "user", content: "Hello /no_think" }], think: "medium" }),
    SYS + "<|im_start|>user\nHello /no_think\n\n{reasoning effort: efficient}<|im_end|>\n<|im_start|>assistant\n<think>\n",
  );
  assert.equal(
    renderNemotron35Nano({ messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Answer", thinking: "Need" }], think: true }),
    SYS + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nNeed</think>Answer<|im_end|>\n<|im_start|>assistant\n<think>\n",
  );
  assert.equal(
    renderNemotron35Nano({ messages: [{ role: "user", content: "Hi" }, { role: "assistant", thinking: "hidden", content: "Visible" }, { role: "user", content: "Next" }], think: true }),
    SYS + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think></think>Visible<|im_end|>\n<|im_start|>user\nNext<|im_end|>\n<|im_start|>assistant\n<think>\n",
  );
});
