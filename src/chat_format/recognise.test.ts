import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { recogniseFormat } from "./recognise.ts";

const TEMPLATES = fileURLToPath(new URL("../../.cache/llama.cpp/models/templates/", import.meta.url));

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

test("recogniseFormat() names the families of llama.cpp's own templates", { skip: !existsSync(TEMPLATES) && "no .cache/llama.cpp" }, () => {
  const expected: Record<string, string> = {
    "openai-gpt-oss-120b": "harmony",
    "Mistral-Small-3.2-24B-Instruct-2506": "mistral",
    "unsloth-mistral-Devstral-Small-2507": "mistral",
    "mistralai-Ministral-3-14B-Reasoning-2512": "magistral",
    "deepseek-ai-DeepSeek-R1-Distill-Llama-8B": "deepseek-r1",
    "deepseek-ai-DeepSeek-V3.1": "deepseek-v3",
    "meetkai-functionary-medium-v3.2": "functionary-v3.2",
    "meta-llama-Llama-3.3-70B-Instruct": "llama3",
    "Qwen-Qwen3-0.6B": "hermes",
    "Qwen3-Coder": "qwen3-coder",
    "GLM-4.6": "glm-4.5",
    "moonshotai-Kimi-K2": "kimi-k2",
    "CohereForAI-c4ai-command-r7b-12-2024-tool_use": "command-r7b",
    "ibm-granite-granite-3.3-2B-Instruct": "granite",
    "ByteDance-Seed-OSS": "seed-oss",
    "MiniMax-M1": "minimax-m1",
  };
  for (const [file, name] of Object.entries(expected)) {
    const jinja = readFileSync(`${TEMPLATES}${file}.jinja`, "utf8");
    assert.equal(recogniseFormat({ jinja }).name, name, file);
  }
});
