// A model created from a Modelfile with `RENDERER qwen3-coder` / `PARSER qwen3-coder` over real HTTP: its prompt is
// written by the named renderer (Ollama's exact text, not the `{{ .Prompt }}` template it carries), /api/show
// reports the parser's capabilities, and a real generation with tools runs through the named parser.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, postJson, startTestServer, type TestServer } from "./helpers/server.ts";
import { modelCapabilities, modelfileToCreateRequest, parseModelfile } from "../src/modelfile/mod.ts";

const skip = fixtureSkip("tiny-spm");
const opts = { skip, timeout: 120_000 };

const tools = [{
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather in a given location",
    parameters: {
      type: "object",
      required: ["unit"],
      properties: { unit: { type: "string", enum: ["celsius", "fahrenheit"], description: "The unit of temperature" } },
    },
  },
}];

const messages = [
  { role: "system", content: "You are a helpful assistant with access to tools." },
  { role: "user", content: "What is the weather like in San Francisco?" },
  { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { unit: "fahrenheit" } } }] },
  { role: "tool", content: '{"temperature": 68}', tool_name: "get_weather" },
];

// Ollama's Qwen3CoderRenderer output for the conversation above (model/renderers/qwen3coder.go).
const OLLAMA_PROMPT = "<|im_start|>system\nYou are a helpful assistant with access to tools.\n\n# Tools\n\n" +
  "You have access to the following functions:\n\n<tools>\n<function>\n<name>get_weather</name>\n" +
  "<description>Get the current weather in a given location</description>\n<parameters>\n<parameter>\n<name>unit</name>\n" +
  "<type>string</type>\n<description>The unit of temperature</description>\n<enum>[\"celsius\",\"fahrenheit\"]</enum>\n" +
  "</parameter>\n<required>[\"unit\"]</required>\n</parameters>\n</function>\n</tools>\n\n" +
  "If you choose to call a function ONLY reply in the following format with NO suffix:\n\n<tool_call>\n" +
  "<function=example_function_name>\n<parameter=example_parameter_1>\nvalue_1\n</parameter>\n" +
  "<parameter=example_parameter_2>\nThis is the value for the second parameter\nthat can span\nmultiple lines\n</parameter>\n" +
  "</function>\n</tool_call>\n\n<IMPORTANT>\nReminder:\n- Function calls MUST follow the specified format: an inner " +
  "<function=...></function> block must be nested within <tool_call></tool_call> XML tags\n- Required parameters MUST be " +
  "specified\n- You may provide optional reasoning for your function call in natural language BEFORE the function call, " +
  "but NOT after\n- If there is no function call available, answer the question like normal with your current knowledge " +
  "and do not tell the user about function calls\n</IMPORTANT><|im_end|>\n" +
  "<|im_start|>user\nWhat is the weather like in San Francisco?<|im_end|>\n<|im_start|>assistant\n\n<tool_call>\n" +
  "<function=get_weather>\n<parameter=unit>\nfahrenheit\n</parameter>\n</function>\n</tool_call><|im_end|>\n" +
  '<|im_start|>user\n<tool_response>\n{"temperature": 68}\n</tool_response><|im_end|>\n<|im_start|>assistant\n';

let server: TestServer;
before(async () => {
  if (skip) return;
  server = await startTestServer();
  await installGguf(server.store, "base:latest", await fixtureModel("tiny-spm"), { template: "{{ .Prompt }}" });
  const modelfile = parseModelfile("FROM base\nRENDERER qwen3-coder\nPARSER qwen3-coder\n");
  const { request } = await modelfileToCreateRequest(modelfile, { baseDir: "." });
  const created = await postJson(server, "/api/create", { model: "coder", ...request, stream: false });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const qwen35 = await postJson(server, "/api/create", { model: "q35", from: "base", renderer: "qwen3.5", parser: "qwen3.5", stream: false });
  assert.equal(qwen35.status, 200, JSON.stringify(qwen35.json));
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

test("named renderer: RENDERER qwen3-coder writes Ollama's prompt instead of the {{ .Prompt }} template", opts, async () => {
  const { status, json } = await postJson(server, "/api/chat", { model: "coder", messages, tools, _debug_render_only: true });
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json._debug_info.rendered_template, OLLAMA_PROMPT);
});

test("named renderer: /api/show keeps RENDERER/PARSER and reports the qwen3-coder parser's tools capability", opts, async () => {
  const { json } = await postJson(server, "/api/show", { model: "coder" });
  assert.deepEqual([json.renderer, json.parser], ["qwen3-coder", "qwen3-coder"]);
  assert.ok(json.capabilities.includes("tools"), JSON.stringify(json.capabilities));
  assert.ok(!json.capabilities.includes("thinking"), JSON.stringify(json.capabilities));
});

test("named renderer: a real chat with tools generates through the renderer and the named parser", opts, async () => {
  const { status, json } = await postJson(server, "/api/chat", {
    model: "coder",
    messages: messages.slice(0, 2),
    tools,
    stream: false,
    options: { temperature: 0, num_predict: 8 },
  });
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.done, true);
  // The prompt the model saw is the renderer's: its token count is that of the rendered text.
  const rendered = await postJson(server, "/api/chat", { model: "coder", messages: messages.slice(0, 2), tools, _debug_render_only: true });
  assert.ok(rendered.json._debug_info.rendered_template.startsWith("<|im_start|>system\nYou are a helpful assistant with access to tools.\n\n# Tools"));
  assert.ok(json.prompt_eval_count > 300, String(json.prompt_eval_count));
});

test("modelCapabilities() adds the named parser's capabilities after the template's", () => {
  assert.deepEqual(modelCapabilities({ template: "{{ .Prompt }}", parser: "qwen3.5" }), ["tools", "thinking"]);
  assert.deepEqual(modelCapabilities({ template: "{{ .Prompt }}", parser: "qwen3-coder", renderer: "qwen3-coder" }), ["tools"]);
});

test("named renderer: a call forced by tool_choice comes back in the qwen3-coder format through /v1/chat/completions", opts, async () => {
  const { status, json } = await postJson(server, "/v1/chat/completions", {
    model: "coder",
    messages: messages.slice(0, 2),
    tools,
    tool_choice: "required",
    max_tokens: 256,
    temperature: 0,
  });
  assert.equal(status, 200, JSON.stringify(json));
  const calls = json.choices[0].message.tool_calls;
  assert.equal(calls?.length, 1, JSON.stringify(json.choices[0]));
  assert.equal(calls[0].function.name, "get_weather");
  assert.equal(typeof JSON.parse(calls[0].function.arguments), "object");
  assert.equal(json.choices[0].finish_reason, "tool_calls");
});

test("named renderer: qwen3.5 thinks by default — the prompt opens <think> and the reply is read as thinking", opts, async () => {
  const shown = await postJson(server, "/api/show", { model: "q35" });
  assert.deepEqual(shown.json.capabilities.filter((c: string) => c !== "completion"), ["tools", "thinking"]);
  const rendered = await postJson(server, "/api/chat", { model: "q35", messages: [{ role: "user", content: "Hi" }], _debug_render_only: true });
  assert.equal(rendered.json._debug_info.rendered_template, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n");
  const off = await postJson(server, "/api/chat", { model: "q35", messages: [{ role: "user", content: "Hi" }], think: false, _debug_render_only: true });
  assert.equal(off.json._debug_info.rendered_template, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  // random weights never close the block: everything generated is thinking
  const { status, json } = await postJson(server, "/api/chat", {
    model: "q35",
    messages: [{ role: "user", content: "Hi" }],
    stream: false,
    options: { temperature: 0, num_predict: 8 },
  });
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.message.content, "");
  assert.ok((json.message.thinking ?? "").length > 0, JSON.stringify(json.message));
});

test("named renderer: /api/generate renders through it too (a request template still wins)", opts, async () => {
  const gen = await postJson(server, "/api/generate", { model: "coder", prompt: "Hi", system: "Be brief.", _debug_render_only: true });
  assert.equal(gen.status, 200, JSON.stringify(gen.json));
  assert.equal(gen.json._debug_info.rendered_template, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  const own = await postJson(server, "/api/generate", { model: "coder", prompt: "Hi", template: "[{{ .Prompt }}]", _debug_render_only: true });
  assert.equal(own.json._debug_info.rendered_template, "[Hi]");
});
