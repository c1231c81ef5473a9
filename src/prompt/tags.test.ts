import { test } from "node:test";
import assert from "node:assert/strict";
import { Template } from "../template/mod.ts";
import { cutAtResponse, thinkingTags, toolCallTags } from "./tags.ts";

const parse = (text: string) => Template.parse(text, { funcs: "ollama", missingKey: "zero" });

const QWEN = `{{- range .Messages }}<|im_start|>{{ .Role }}
{{- if and .Thinking (eq .Role "assistant") }}
<think>
{{ .Thinking }}
</think>
{{ end }}
{{ .Content }}
{{- if .ToolCalls }}
{{- range .ToolCalls }}<tool_call>
{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
</tool_call>{{ end }}
{{- end }}<|im_end|>
{{ end }}<|im_start|>assistant
`;

test("toolCallTags() takes the text that opens and closes a call", () => {
  assert.deepEqual(toolCallTags(parse(QWEN).root), { tag: "<tool_call>", closeTag: "</tool_call>" });
  const mistral = '{{ range .Messages }}{{ if .ToolCalls }}[TOOL_CALLS] [{{ range .ToolCalls }}{"name": "{{ .Function.Name }}"}{{ end }}]{{ end }}{{ end }}';
  assert.deepEqual(toolCallTags(parse(mistral).root), { tag: "[TOOL_CALLS] [", closeTag: "]" });
});

test("toolCallTags() falls back to bare JSON", () => {
  const llama31 = '{{ range .Messages }}{{- if .ToolCalls }}\n{{ range .ToolCalls }}{"name": "{{ .Function.Name }}"}{{ end }}{{ end }}{{ end }}';
  assert.deepEqual(toolCallTags(parse(llama31).root), { tag: "{", closeTag: "" });
  assert.deepEqual(toolCallTags(parse("{{ .Prompt }}").root), { tag: "{", closeTag: "" });
  // An action before any text: Ollama stops looking.
  assert.deepEqual(toolCallTags(parse("{{ if .ToolCalls }}{{ .Content }}<call>{{ end }}").root), { tag: "{", closeTag: "" });
});

test("thinkingTags() finds the tags around .Thinking inside range .Messages", () => {
  assert.deepEqual(thinkingTags(parse(QWEN).root), { openTag: "<think>", closeTag: "</think>" });
  assert.deepEqual(thinkingTags(parse("{{ .Thinking }}<think>{{ .Prompt }}").root), { openTag: "", closeTag: "" });
  assert.deepEqual(thinkingTags(parse("{{ range .Tools }}<t>{{ .Thinking }}</t>{{ end }}").root), { openTag: "", closeTag: "" });
});

test("cutAtResponse() keeps the first .Response and drops everything after it", () => {
  const t = parse("{{ if .System }}S:{{ .System }} {{ end }}U:{{ .Prompt }} A:{{ .Response }}<end>{{ if .X }}x{{ end }}");
  const cut = t.withRoot(cutAtResponse(t.root));
  assert.equal(cut.execute({ System: "s", Prompt: "p", Response: "r" }), "S:s U:p A:r");
  assert.equal(t.execute({ System: "s", Prompt: "p", Response: "r", X: true }), "S:s U:p A:r<end>x", "the original is untouched");
  const inside = parse("{{ if .Prompt }}[{{ .Prompt }}]{{ .Response }}</s>{{ else }}none{{ end }}tail");
  assert.equal(inside.withRoot(cutAtResponse(inside.root)).execute({ Prompt: "p", Response: "r" }), "[p]r");
});
