// Cases from Ollama's model/renderers/glimmer_test.go and glimmer_reference_test.go.
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderGlimmer } from "./glimmer.ts";
import type { Tool } from "./types.ts";

const now = new Date(2026, 6, 29);
const msg = (header: string, content: string, end: string) => `<|start|>${header}<|message|>${content}${end}`;
const prompt = (...parts: string[]) => "<|begin_of_text|>" + parts.join("") + "<|start|>assistant";
const DEFAULT_SYSTEM = 'You are a helpful AI assistant.\nKnowledge cutoff: 2026-01-04.\nCurrent date: 2026-07-29.\n\nReasoning strength: high.\n\n# Valid recipients: "self", "user".';
const weather: Tool = {
  type: "function",
  function: { name: "get_weather", description: "Get the weather", parameters: { type: "object", required: ["city"], properties: { city: { type: ["string"] }, units: { type: ["string"] } } } },
};
const CALL = '<atem:function_calls>\n<atem:invoke name="get_weather">\n<atem:parameter name="city">SF</atem:parameter>\n<atem:parameter name="units">fahrenheit</atem:parameter>\n</atem:invoke>\n</atem:function_calls>';

test("renderGlimmer() writes the default system turn with today's date and reasoning strength", () => {
  assert.equal(renderGlimmer({ messages: [{ role: "user", content: "Hello" }], now }), prompt(msg("system", DEFAULT_SYSTEM, "<|eot|>"), msg("user", "Hello", "<|eot|>")));
  assert.equal(
    renderGlimmer({ messages: [{ role: "user", content: "Solve." }], think: "low", now }),
    prompt(msg("system", DEFAULT_SYSTEM.replace("high", "low"), "<|eot|>"), msg("user", "Solve.", "<|eot|>")),
  );
  for (const [think, want] of [[undefined, "high"], [true, "high"], [false, "none"], ["medium", "medium"]] as const) {
    assert.ok(renderGlimmer({ messages: [{ role: "user", content: "Hello" }], think, now }).includes(`Reasoning strength: ${want}.`));
  }
});

test("renderGlimmer() keeps an explicit system's reasoning line (renamed from effort) and addresses thinking to self", () => {
  assert.equal(
    renderGlimmer({ messages: [{ role: "system", content: "You are direct.\nReasoning effort: medium." }, { role: "user", content: "Hello" }] }),
    prompt(msg("system", 'You are direct.\nReasoning strength: medium.\n\n# Valid recipients: "self", "user".', "<|eot|>"), msg("user", "Hello", "<|eot|>")),
  );
  assert.equal(
    renderGlimmer({
      messages: [
        { role: "system", content: "Be concise." },
        { role: "user", content: "Read this.", images: ["AA=="] },
        { role: "assistant", thinking: "I should inspect it.", content: "It says hello." },
      ],
    }),
    prompt(
      msg("system", 'Be concise.\n\nReasoning strength: high.\n\n# Valid recipients: "self", "user".', "<|eot|>"),
      msg("user", "[img-0] Read this.", "<|eot|>"),
      msg("assistant to=self", "I should inspect it.", "<|eom|>"),
      msg("assistant to=user", "It says hello.", "<|eot|>"),
    ),
  );
});

test("renderGlimmer() lists tools by namespace, writes ATEM calls and tool outputs", () => {
  const tools = "In this environment you have access to a set of tools you can use to answer the user's question.\n" +
    'You can invoke a function by writing a "<atem:function_calls>" block like the following:\n<atem:function_calls>\n<atem:invoke name="$FUNCTION_NAME">\n' +
    '<atem:parameter name="$PARAMETER_NAME">$PARAMETER_VALUE</atem:parameter>\n...\n</atem:invoke>\n</atem:function_calls>\n' +
    "String and scalar parameters should be specified as is, while lists and objects should use JSON format. Note that spaces for string values are not stripped. " +
    "The output is not expected to be valid XML and is parsed with regular expressions.\nHere are the functions available in JSONSchema format:\n// Tool metadata\n" +
    '{"name": "get_weather", "description": ""}\n// Function schemas\n' +
    '{"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}, "units": {"type": "string"}}}}\n' +
    "Here's an example of how to call a function in the tool set:\n(If the tool namespace is not specified, invoke the function directly as `example_function_name` " +
    "rather than `example_tool_name.example_function_name`)\nto=example_tool_name.example_function_name\n<atem:function_calls>\n" +
    '<atem:invoke name="example_tool_name.example_function_name">\n<atem:parameter name="example_parameter_1">value_1</atem:parameter>\n' +
    '<atem:parameter name="example_parameter_2">This is the value for the second parameter\nthat can span\n"multiple" lines\n</atem:parameter>\n</atem:invoke>\n</atem:function_calls>';
  assert.equal(
    renderGlimmer({
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: "", thinking: "Need current data.", tool_calls: [{ id: "call_weather", function: { name: "get_weather", arguments: { city: "SF", units: "fahrenheit" } } }] },
        { role: "tool", tool_call_id: "call_weather", content: '{"temp":65}' },
        { role: "assistant", content: "It is 65F." },
      ],
      tools: [weather],
      now,
    }),
    prompt(
      msg("system", "You are a helpful AI assistant.\nKnowledge cutoff: 2026-01-04.\nCurrent date: 2026-07-29.\n\nReasoning strength: high.\n\n" + tools +
        '\n\n# Valid recipients: "self", "get_weather.*", "user".', "<|eot|>"),
      msg("user", "Weather?", "<|eot|>"),
      msg("assistant to=self", "Need current data.", "<|eom|>"),
      msg("assistant to=get_weather", CALL, "<|eot|>"),
      msg("tool get_weather", '<tool_output name="get_weather">\n{"temp":65}\n</tool_output>', "<|eot|>"),
      msg("assistant to=user", "It is 65F.", "<|eot|>"),
    ),
  );
  const twice = renderGlimmer({
    messages: [
      { role: "user", content: "Run twice." },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "SF", units: "fahrenheit" } } }] },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "SF", units: "fahrenheit" } } }] },
      { role: "user", content: "Continue." },
    ],
    now,
  });
  assert.ok(twice.includes(msg("assistant to=get_weather", CALL, "<|eom|>") + msg("assistant to=get_weather", CALL, "<|eot|>") + msg("user", "Continue.", "<|eot|>")));
});

test("renderGlimmer() writes argument values as the template does and names results by call id", () => {
  const got = renderGlimmer({
    messages: [
      { role: "user", content: "Run it." },
      {
        role: "assistant",
        content: "",
        tool_calls: [{ function: { name: "tools.run", arguments: { text: "keep  spaces", count: 3, enabled: true, fallback: null, items: ["one", "two"], config: { mode: "fast" } } } }],
      },
    ],
  });
  assert.ok(got.includes(
    '<atem:function_calls>\n<atem:invoke name="tools.run">\n<atem:parameter name="text">keep  spaces</atem:parameter>\n<atem:parameter name="count">3</atem:parameter>\n' +
      '<atem:parameter name="enabled">true</atem:parameter>\n<atem:parameter name="fallback">null</atem:parameter>\n<atem:parameter name="items">["one", "two"]</atem:parameter>\n' +
      '<atem:parameter name="config">{"mode": "fast"}</atem:parameter>\n</atem:invoke>\n</atem:function_calls>',
  ));
  const results = renderGlimmer({
    messages: [
      { role: "assistant", content: "", tool_calls: [{ id: "call_1", function: { name: "get_weather", arguments: {} } }] },
      { role: "tool", tool_call_id: "call_1", content: '{"temp":65}' },
      { role: "tool", tool_call_id: "missing", content: "not found" },
    ],
  });
  assert.ok(results.includes('<|start|>tool get_weather<|message|><tool_output name="get_weather">\n{"temp":65}\n</tool_output><|eot|>'));
  assert.ok(results.includes('<|start|>tool missing<|message|><tool_output name="missing">\nnot found\n</tool_output><|eot|>'));
});
