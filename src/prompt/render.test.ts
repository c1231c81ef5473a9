import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatTemplate, templateCapabilities } from "./render.ts";
import { goJson } from "./go_data.ts";
import { PromptTemplateError } from "./errors.ts";
import type { Message, Tool } from "./types.ts";

const weather: Tool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather <now> & later",
    parameters: {
      type: "object",
      required: ["city"],
      properties: { unit: { type: "string", enum: ["c", "f"] }, city: { type: ["string"], description: "City" } },
    },
  },
};

const chat: Message[] = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Weather in Oslo?" },
  {
    role: "assistant",
    content: "",
    thinking: "need a tool",
    tool_calls: [{ function: { name: "get_weather", arguments: { city: "Oslo", days: 2 } } }],
  },
  { role: "tool", content: "cold", tool_name: "get_weather", tool_call_id: "call_1" },
];

test("ChatTemplate passes messages, tools and think with Ollama's Go field names", () => {
  const t = ChatTemplate.get(
    "{{ .System }}|{{ range .Messages }}{{ .Role }}:{{ .Content }}" +
      "{{ range .ToolCalls }}[{{ .Function.Index }} {{ .Function.Name }} {{ range $k, $v := .Function.Arguments }}{{ $k }}={{ $v }};{{ end }}]{{ end }}" +
      "{{ with .Thinking }}({{ . }}){{ end }}{{ with .ToolName }}<{{ . }} {{ $.Think }}>{{ end }}{{ .ToolCallID }}|{{ end }}" +
      "{{ range .Tools }}{{ .Type }} {{ .Function.Name }}: {{ .Function.Description }} " +
      "{{ range $n, $p := .Function.Parameters.Properties }}{{ $n }}/{{ $p.Type }}/{{ $p.Description }}/{{ len $p.Enum }} {{ end }}" +
      "{{ .Function.Parameters.Required }}{{ end }}|{{ .ThinkLevel }} {{ .IsThinkSet }}",
  );
  assert.equal(
    t.render({ messages: chat, tools: [weather], think: "high" }),
    "Be brief.|system:Be brief.|user:Weather in Oslo?|assistant:[0 get_weather city=Oslo;days=2;](need a tool)|" +
      "tool:cold<get_weather true>call_1|function get_weather: Weather <now> & later city/string/City/0 unit/string//2 [city]|high true",
  );
  assert.equal(t.render({ messages: chat }).endsWith("| false"), true);
});

test("ChatTemplate marshals tools and arguments with json as Ollama does", () => {
  const t = ChatTemplate.get("{{ range .Messages }}{{ range .ToolCalls }}{{ json .Function.Arguments }}{{ end }}{{ end }}");
  assert.equal(t.render({ messages: chat }), '{"city":"Oslo","days":2}');
});

test("ChatTemplate prints tools and arguments as JSON (Ollama's String() methods)", () => {
  const t = ChatTemplate.get(
    "{{ .Tools }}\n{{ range .Tools }}{{ . }}{{ end }}\n{{ range .Messages }}{{ range .ToolCalls }}{{ .Function.Arguments }}{{ end }}{{ end }}",
  );
  const tool =
    '{"type":"function","function":{"name":"get_weather","description":"Weather \\u003cnow\\u003e \\u0026 later","parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string","description":"City"},"unit":{"type":"string","enum":["c","f"]}}}}}';
  assert.equal(t.render({ messages: chat, tools: [weather] }), `[${tool}]\n${tool}\n{"city":"Oslo","days":2}`);
});

test("goJson() marshals like Go: sorted maps, ordered structs, HTML-safe", () => {
  assert.equal(goJson({ b: 1, a: [true, null, "<&>"] }), '{"a":[true,null,"\\u003c\\u0026\\u003e"],"b":1}');
  assert.equal(goJson(new Map<string, unknown>([["z", 1], ["a", undefined], ["m", 2n]])), '{"z":1,"m":2}');
});

test("ChatTemplate legacy mode renders one turn per exchange and continues the last response", () => {
  const t = ChatTemplate.get("{{ if .System }}<s>{{ .System }}</s>{{ end }}[U]{{ .Prompt }}[A]{{ .Response }}[/A]");
  const out = t.render({
    messages: [
      { role: "system", content: "sys" },
      { role: "user", content: "one" },
      { role: "assistant", content: "1" },
      { role: "user", content: "two" },
      { role: "assistant", content: "pre" },
    ],
  });
  assert.equal(out, "<s>sys</s>[U]one[A]1[/A][U]two[A]pre");
  // Without .Response in the template, Ollama appends one.
  assert.equal(ChatTemplate.get("Q: {{ .Prompt }} A: ").render({ messages: [{ role: "user", content: "hi" }] }), "Q: hi A: ");
  assert.equal(
    ChatTemplate.get("Q: {{ .Prompt }} A: ").render({
      messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "ok" }, { role: "user", content: "more" }],
    }),
    "Q: hi A: okQ: more A: ",
  );
});

test("ChatTemplate suffix mode fills in the middle", () => {
  const t = ChatTemplate.get("{{ if .Suffix }}<PRE>{{ .Prompt }}<SUF>{{ .Suffix }}<MID>{{ else }}{{ .Prompt }}{{ end }}");
  assert.equal(t.render({ prompt: "def f(", suffix: "return x" }), "<PRE>def f(<SUF>return x<MID>");
  assert.equal(t.render({ messages: [{ role: "user", content: "plain" }] }), "plain");
  assert.equal(ChatTemplate.get("{{ .Prompt }}"), ChatTemplate.get("{{ .Prompt }}"), "parsed once per text");
});

test("templateCapabilities() reads tools, insert and thinking from the template", () => {
  assert.deepEqual(templateCapabilities("{{ .Prompt }}"), []);
  assert.deepEqual(templateCapabilities("{{ if .Suffix }}{{ .Suffix }}{{ end }}{{ range .Tools }}{{ end }}"), ["tools", "insert"]);
  assert.deepEqual(templateCapabilities("{{ range .Messages }}{{ .Thinking }}{{ end }}"), ["thinking"]);
  assert.deepEqual(templateCapabilities("{{ if $.Think }}/think{{ end }}"), ["thinking"]);
});

test("ChatTemplate reports bad templates and failing executions as PromptTemplateError", () => {
  assert.throws(() => ChatTemplate.get("{{ if }}"), PromptTemplateError);
  assert.throws(() => ChatTemplate.get("{{ nosuchfunc .Prompt }}"), PromptTemplateError);
  const t = ChatTemplate.get("{{ range .Messages }}{{ index .Content 99 }}{{ end }}");
  assert.throws(() => t.render({ messages: [{ role: "user", content: "x" }] }), /template error: .*index/);
});
