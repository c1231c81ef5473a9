import { test } from "node:test";
import assert from "node:assert/strict";
import { jinjaOutputTags, outputParserFor } from "./output.ts";
import { ChatTemplate } from "./render.ts";
import type { Tool } from "./types.ts";

const QWEN3 = ChatTemplate.get(`{{- range .Messages }}<|im_start|>{{ .Role }}
{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}{{ .Content }}
{{- if .ToolCalls }}{{ range .ToolCalls }}<tool_call>
{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
</tool_call>{{ end }}{{ end }}<|im_end|>
{{ end }}<|im_start|>assistant
`);

const tools: Tool[] = [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }];

function run(chunks: string[], options: Parameters<typeof outputParserFor>[1]) {
  let n = 0;
  const parser = outputParserFor(QWEN3, { ...options, makeId: () => `call_${n++}` })!;
  const out = { thinking: "", content: "", calls: [] as unknown[] };
  for (const r of [...chunks.map((c) => parser.add(c)), parser.finish()]) {
    out.thinking += r.thinking;
    out.content += r.content;
    out.calls.push(...r.toolCalls);
  }
  return out;
}

function everySplit(text: string, options: Parameters<typeof outputParserFor>[1]) {
  const whole = run([text], options);
  for (let i = 0; i <= text.length; i++) assert.deepEqual(run([text.slice(0, i), text.slice(i)], options), whole, `split at ${i}`);
  assert.deepEqual(run([...text], options), whole);
  return whole;
}

test("outputParserFor() splits thinking, content and tool calls from one stream", () => {
  const text = '<think>\nCold?\n</think>\n\nChecking.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>';
  assert.deepEqual(everySplit(text, { tools, think: true }), {
    thinking: "Cold?",
    content: "Checking.\n",
    calls: [{ id: "call_0", function: { index: 0, name: "get_weather", arguments: { city: "Oslo" } } }],
  });
});

test("outputParserFor() starts inside thinking when the prompt opened it", () => {
  assert.deepEqual(everySplit("hmm</think>Hello", { think: true, prompt: "<|im_start|>assistant\n<think>\n" }), {
    thinking: "hmm",
    content: "Hello",
    calls: [],
  });
});

test("outputParserFor() needs no parser without tools or thinking", () => {
  assert.equal(outputParserFor(QWEN3, {}), null);
  assert.equal(outputParserFor(ChatTemplate.get("{{ .Prompt }}"), { think: true }), null);
  const toolsOnly = everySplit("<think>not split</think>", { tools });
  assert.deepEqual(toolsOnly, { thinking: "", content: "<think>not split</think>", calls: [] });
});

test("jinjaOutputTags() reads tool-call and thinking markers from a Jinja template", () => {
  assert.deepEqual(jinjaOutputTags("{% if tools %}<tool_call>{{ x }}</tool_call>{% endif %}<think>\n</think>"), {
    toolCallTags: { tag: "<tool_call>", closeTag: "</tool_call>" },
    thinkingTags: { openTag: "<think>", closeTag: "</think>" },
  });
  assert.deepEqual(jinjaOutputTags("{{ messages }}"), {
    toolCallTags: { tag: "{", closeTag: "" },
    thinkingTags: { openTag: "", closeTag: "" },
  });
  const parser = outputParserFor(jinjaOutputTags("[TOOL_CALLS]"), { tools, makeId: () => "call_x" })!;
  const a = parser.add('[TOOL_CALLS][{"name": "get_weather", "arguments": {}}]');
  const b = parser.finish();
  assert.deepEqual([...a.toolCalls, ...b.toolCalls], [{ id: "call_x", function: { index: 0, name: "get_weather", arguments: {} } }]);
});
