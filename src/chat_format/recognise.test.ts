import { test } from "node:test";
import assert from "node:assert/strict";
import { recogniseFormat } from "./recognise.ts";

test("recogniseFormat() takes Ollama's parser and renderer names first", () => {
  assert.equal(recogniseFormat({ parser: "harmony", jinja: "<tool_call>" }).name, "harmony");
  assert.equal(recogniseFormat({ renderer: "qwen3-coder" }).name, "qwen3-coder");
  assert.equal(recogniseFormat({ parser: "qwen3.5" }).name, "qwen3-coder");
  assert.equal(recogniseFormat({ parser: "glm-4.7" }).name, "glm-4.5");
  assert.equal(recogniseFormat({ parser: "deepseek3" }).name, "deepseek-v3");
  assert.equal(recogniseFormat({ parser: "ministral" }).name, "mistral");
  assert.deepStrictEqual(recogniseFormat({ parser: "passthrough" }), { name: "passthrough", syntax: {} });
  // An unknown name falls through to the templates.
  assert.equal(recogniseFormat({ parser: "nonesuch", jinja: "[TOOL_CALLS]" }).name, "mistral");
});

test("recogniseFormat() reads a Jinja template's special tokens", () => {
  const cases: [string, string][] = [
    ["{{ '<|start|>assistant<|channel|>final<|message|>' }}", "harmony"],
    ["<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>", "deepseek-r1"],
    ["<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>", "deepseek-v3"],
    ["<|tool_calls_section_begin|>", "kimi-k2"],
    ["<tool_call><arg_key>", "glm-4.5"],
    ["<tool_call><function=x><parameter=y>", "qwen3-coder"],
    ["<|im_start|><tool_call>", "hermes"],
    ["[TOOL_CALLS][ARGS][THINK]", "magistral"],
    ["<|START_ACTION|>", "command-r7b"],
    ["<|start_header_id|>", "llama3"],
    ["{{ messages }}", "generic"],
  ];
  for (const [jinja, name] of cases) assert.equal(recogniseFormat({ jinja }).name, name, jinja);
});

test("recogniseFormat() infers a Go template's tags as Ollama does", () => {
  const template = "{{- range .Messages }}{{ .Content }}{{ if .ToolCalls }}<tool_call>{{ range .ToolCalls }}" +
    '{"name": "{{ .Function.Name }}"}{{ end }}</tool_call>{{ end }}{{ end }}';
  const found = recogniseFormat({ template });
  assert.equal(found.name, "hermes");
  const bare = recogniseFormat({ template: "{{ .Prompt }}{{ range .ToolCalls }}{{ .Function.Name }}{{ end }}" });
  assert.equal(bare.name, "go-template");
  assert.deepStrictEqual(bare.syntax.tools?.open, ["{"]);
});

test("recogniseFormat() adds <think> tags where the template writes them", () => {
  assert.deepStrictEqual(recogniseFormat({ jinja: "<|start_header_id|><think></think>" }).syntax.thinking?.open, ["<think>"]);
  assert.equal(recogniseFormat({ jinja: "<|start_header_id|>" }).syntax.thinking, undefined);
});
