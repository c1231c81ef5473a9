// Cases from Ollama's model/renderers/qwen3coder_test.go (inputs and expected prompts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderQwen3Coder, xmlArgument } from "./qwen3_coder.ts";
import { QWEN_TOOL_REMINDER } from "./qwen3_coder.ts";
import type { Tool } from "./types.ts";

const weather: Tool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather in a given location",
    parameters: {
      type: "",
      required: ["unit"],
      properties: { unit: { type: ["string"], enum: ["celsius", "fahrenheit"], description: "The unit of temperature" } },
    },
  },
};

test("renderQwen3Coder() writes the system turn and opens the assistant", () => {
  const got = renderQwen3Coder({
    messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Hello, how are you?" }],
  });
  assert.equal(
    got,
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello, how are you?<|im_end|>\n<|im_start|>assistant\n",
  );
});

test("renderQwen3Coder() lists tools as XML and writes calls and results", () => {
  const got = renderQwen3Coder({
    messages: [
      { role: "system", content: "You are a helpful assistant with access to tools." },
      { role: "user", content: "What is the weather like in San Francisco?" },
      {
        role: "assistant",
        content: "I'll check the weather in San Francisco for you.",
        tool_calls: [{ function: { name: "get_weather", arguments: { unit: "fahrenheit" } } }],
      },
      { role: "tool", content: '{"location": "San Francisco, CA", "temperature": 68}', tool_name: "get_weather" },
      { role: "user", content: "That sounds nice! What about New York?" },
    ],
    tools: [weather],
  });
  const want = "<|im_start|>system\nYou are a helpful assistant with access to tools.\n\n# Tools\n\n" +
    "You have access to the following functions:\n\n<tools>\n<function>\n<name>get_weather</name>\n" +
    "<description>Get the current weather in a given location</description>\n<parameters>\n<parameter>\n" +
    "<name>unit</name>\n<type>string</type>\n<description>The unit of temperature</description>\n" +
    '<enum>["celsius","fahrenheit"]</enum>\n</parameter>\n<required>["unit"]</required>\n</parameters>\n' +
    "</function>\n</tools>" + QWEN_TOOL_REMINDER + "<|im_end|>\n" +
    "<|im_start|>user\nWhat is the weather like in San Francisco?<|im_end|>\n" +
    "<|im_start|>assistant\nI'll check the weather in San Francisco for you.\n\n" +
    "<tool_call>\n<function=get_weather>\n<parameter=unit>\nfahrenheit\n</parameter>\n</function>\n</tool_call><|im_end|>\n" +
    '<|im_start|>user\n<tool_response>\n{"location": "San Francisco, CA", "temperature": 68}\n</tool_response><|im_end|>\n' +
    "<|im_start|>user\nThat sounds nice! What about New York?<|im_end|>\n<|im_start|>assistant\n";
  assert.equal(got, want);
  assert.ok(QWEN_TOOL_REMINDER.startsWith("\n\nIf you choose to call a function ONLY reply"));
  assert.ok(QWEN_TOOL_REMINDER.endsWith("do not tell the user about function calls\n</IMPORTANT>"));
});

test("renderQwen3Coder() shares one user turn between consecutive tool results", () => {
  const got = renderQwen3Coder({
    messages: [
      { role: "user", content: "call double(1) and triple(2)" },
      {
        role: "assistant",
        content: "I'll call both.",
        tool_calls: [
          { function: { name: "double", arguments: { number: "1" } } },
          { function: { name: "triple", arguments: { number: "2" } } },
        ],
      },
      { role: "tool", content: '{"number": 2}', tool_name: "double" },
      { role: "tool", content: '{"number": 6}', tool_name: "triple" },
    ],
  });
  assert.equal(
    got,
    "<|im_start|>user\ncall double(1) and triple(2)<|im_end|>\n<|im_start|>assistant\nI'll call both.\n\n" +
      "<tool_call>\n<function=double>\n<parameter=number>\n1\n</parameter>\n</function>\n</tool_call>\n" +
      "<tool_call>\n<function=triple>\n<parameter=number>\n2\n</parameter>\n</function>\n</tool_call><|im_end|>\n" +
      '<|im_start|>user\n<tool_response>\n{"number": 2}\n</tool_response>\n<tool_response>\n{"number": 6}\n</tool_response><|im_end|>\n' +
      "<|im_start|>assistant\n",
  );
});

test("renderQwen3Coder() leaves a trailing assistant message open (prefill)", () => {
  const got = renderQwen3Coder({
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: "Tell me something interesting." },
      { role: "assistant", content: "I'll tell you something interesting about cats" },
    ],
  });
  assert.ok(got.endsWith("<|im_start|>assistant\nI'll tell you something interesting about cats"));
});

test("renderQwen3Coder() keeps object arguments JSON-encoded and adds the default system with tools", () => {
  const got = renderQwen3Coder({
    messages: [
      { role: "user", content: "call tool" },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "echo", arguments: { payload: { foo: "bar" } } } }] },
      { role: "tool", content: '{"payload":"ok"}', tool_name: "echo" },
    ],
  });
  assert.equal(
    got,
    "<|im_start|>user\ncall tool<|im_end|>\n<|im_start|>assistant\n\n<tool_call>\n<function=echo>\n<parameter=payload>\n" +
      '{"foo":"bar"}\n</parameter>\n</function>\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n{"payload":"ok"}\n' +
      "</tool_response><|im_end|>\n<|im_start|>assistant\n",
  );
  const withTools = renderQwen3Coder({ messages: [{ role: "user", content: "hi" }], tools: [weather] });
  assert.ok(withTools.startsWith("<|im_start|>system\nYou are Qwen, a helpful AI assistant that can interact with a computer to solve tasks.\n\n# Tools"));
});

test("xmlArgument() writes strings bare, maps as JSON, numbers and booleans as Go prints them", () => {
  assert.equal(xmlArgument("foo"), "foo");
  assert.equal(xmlArgument({ foo: "bar" }), '{"foo":"bar"}');
  assert.equal(xmlArgument(1), "1");
  assert.equal(xmlArgument(true), "true");
  assert.equal(xmlArgument(1000000), "1e+06");
  assert.equal(xmlArgument(0.5), "0.5");
});
