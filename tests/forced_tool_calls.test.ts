// A forced tool call in each chat format, end to end over real HTTP: a fixture model (random weights) whose
// template writes harmony (gpt-oss), Hermes/Qwen, Mistral, Llama 3.x JSON or DeepSeek calls is asked for a call
// through /v1/chat/completions, /v1/messages and /v1/responses with tool_choice (required / any / a named
// function); the format's grammar makes the call certain, in the format's own syntax, and the call comes back
// as a tool call with arguments valid against the tool's schema. Each call then round-trips: the history with
// the call and its result renders in the format (/api/chat, render-only) and the result turn is answered.
// /api/chat takes tool_choice too (a tollama addition: Ollama's has none) and returns the forced call whole, as
// Ollama's calls are; /api/generate has no tools.
// The templates are our own (Go templates writing each format's markers), so this runs without ../shared.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, postJson, startTestServer, type TestServer } from "./helpers/server.ts";

const FENCE = "```";

const HARMONY = `<|start|>system<|message|>You are a test model.{{ if .Tools }}
# Tools
{{ json .Tools }}{{ end }}<|end|>
{{- range .Messages }}
{{- if eq .Role "user" }}<|start|>user<|message|>{{ .Content }}<|end|>
{{- else if eq .Role "assistant" }}{{ if .ToolCalls }}{{ range .ToolCalls }}<|start|>assistant<|channel|>commentary to=functions.{{ .Function.Name }} <|constrain|>json<|message|>{{ .Function.Arguments }}<|call|>{{ end }}{{ else }}<|start|>assistant<|channel|>final<|message|>{{ .Content }}<|end|>{{ end }}
{{- else if eq .Role "tool" }}<|start|>functions to=assistant<|channel|>commentary<|message|>{{ .Content }}<|end|>
{{- end }}
{{- end }}<|start|>assistant`;

const HERMES = `{{- if .Tools }}<|im_start|>system
<tools>{{ range .Tools }}{{ json . }}{{ end }}</tools><|im_end|>
{{ end }}{{- range .Messages }}
{{- if eq .Role "tool" }}<|im_start|>user
<tool_response>{{ .Content }}</tool_response><|im_end|>
{{ else }}<|im_start|>{{ .Role }}
{{ if .ToolCalls }}{{ range .ToolCalls }}<tool_call>
{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
</tool_call>{{ end }}{{ else }}{{ .Content }}{{ end }}<|im_end|>
{{ end }}{{ end }}<|im_start|>assistant
`;

const MISTRAL = `{{- if .Tools }}[AVAILABLE_TOOLS]{{ json .Tools }}[/AVAILABLE_TOOLS]{{ end }}
{{- range .Messages }}
{{- if eq .Role "user" }}[INST]{{ .Content }}[/INST]
{{- else if eq .Role "assistant" }}{{ if .ToolCalls }}{{ range .ToolCalls }}[TOOL_CALLS]{{ .Function.Name }}[ARGS]{{ .Function.Arguments }}{{ end }}{{ else }}{{ .Content }}{{ end }}
{{- else if eq .Role "tool" }}[TOOL_RESULTS]{{ .Content }}[/TOOL_RESULTS]
{{- end }}
{{- end }}`;

const LLAMA3 = `<|start_header_id|>system<|end_header_id|>

{{ if .Tools }}Answer with a JSON call {"name": function name, "parameters": its arguments}. Tools: {{ json .Tools }}{{ end }}<|eot_id|>
{{- range .Messages }}<|start_header_id|>{{ if eq .Role "tool" }}ipython{{ else }}{{ .Role }}{{ end }}<|end_header_id|>

{{ if .ToolCalls }}{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "parameters": {{ .Function.Arguments }}}{{ end }}{{ else }}{{ .Content }}{{ end }}<|eot_id|>
{{- end }}<|start_header_id|>assistant<|end_header_id|>

`;

const DEEPSEEK = `{{ if .Tools }}Tools: {{ json .Tools }}{{ end }}
{{- range .Messages }}
{{- if eq .Role "user" }}<｜User｜>{{ .Content }}
{{- else if eq .Role "assistant" }}<｜Assistant｜>{{ if .ToolCalls }}<｜tool▁calls▁begin｜>{{ range .ToolCalls }}<｜tool▁call▁begin｜>function<｜tool▁sep｜>{{ .Function.Name }}
${FENCE}json
{{ .Function.Arguments }}
${FENCE}<｜tool▁call▁end｜>{{ end }}<｜tool▁calls▁end｜>{{ else }}{{ .Content }}{{ end }}<｜end▁of▁sentence｜>
{{- else if eq .Role "tool" }}<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>{{ .Content }}<｜tool▁output▁end｜><｜tool▁outputs▁end｜>
{{- end }}
{{- end }}<｜Assistant｜>`;

interface Format {
  model: string;
  template: string;
  /** How the format writes the history's call of get_weather (a piece of the rendered round-trip prompt). */
  renderedCall: RegExp;
}

const FORMATS: Format[] = [
  { model: "harmony-tools", template: HARMONY, renderedCall: /<\|channel\|>commentary to=functions\.get_weather <\|constrain\|>json<\|message\|>\{/ },
  { model: "hermes-tools", template: HERMES, renderedCall: /<tool_call>\n\{"name": "get_weather", "arguments": \{/ },
  { model: "mistral-tools", template: MISTRAL, renderedCall: /\[TOOL_CALLS\]get_weather\[ARGS\]\{/ },
  { model: "llama3-tools", template: LLAMA3, renderedCall: /\{"name": "get_weather", "parameters": \{/ },
  { model: "deepseek-tools", template: DEEPSEEK, renderedCall: /<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n\{/ },
];

const weatherSchema = {
  type: "object",
  properties: { city: { type: "string", enum: ["Paris", "Oslo"] }, days: { type: "integer" } },
  required: ["city", "days"],
};
const timeSchema = { type: "object", properties: { zone: { type: "string", enum: ["UTC", "CET"] } }, required: ["zone"] };
const ask = "What is the weather in Paris for 3 days?";

/** Whether `args` is valid against the weather or time schema (enums, integer, exactly the required keys). */
function assertValid(name: string, args: unknown): void {
  assert.equal(typeof args, "object");
  const a = args as Record<string, unknown>;
  if (name === "get_weather") {
    assert.deepEqual(Object.keys(a).sort(), ["city", "days"]);
    assert.ok(["Paris", "Oslo"].includes(a.city as string), JSON.stringify(a));
    assert.ok(Number.isInteger(a.days), JSON.stringify(a));
  } else {
    assert.equal(name, "get_time");
    assert.deepEqual(Object.keys(a), ["zone"]);
    assert.ok(["UTC", "CET"].includes(a.zone as string), JSON.stringify(a));
  }
}

const skip = fixtureSkip("tiny-spm");
const opts = { skip, timeout: 300_000 };
let server: TestServer;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  const gguf = await fixtureModel("tiny-spm");
  for (const f of FORMATS) await installGguf(server.store, `${f.model}:latest`, gguf, { template: f.template });
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

/** The history of a forced call and its result, in Ollama's wire shape, and the render of it through /api/chat. */
async function roundTrip(f: Format, call: { name: string; arguments: Record<string, unknown> }): Promise<void> {
  const messages = [
    { role: "user", content: ask },
    { role: "assistant", content: "", tool_calls: [{ function: call }] },
    { role: "tool", content: "Sunny, 21 C", tool_name: call.name },
  ];
  const tools = [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: weatherSchema } }];
  const rendered = await postJson(server, "/api/chat", { model: f.model, messages, tools, _debug_render_only: true, stream: false });
  assert.equal(rendered.status, 200, JSON.stringify(rendered.json));
  const prompt = rendered.json._debug_info.rendered_template as string;
  assert.match(prompt, f.renderedCall);
  assert.ok(prompt.includes(JSON.stringify(call.arguments).slice(1, -1).split(",")[0]), prompt);
  assert.ok(prompt.includes("Sunny, 21 C"));
  const answered = await postJson(server, "/api/chat", { model: f.model, messages, tools, stream: false, options: { num_predict: 8, temperature: 0 } });
  assert.equal(answered.status, 200, JSON.stringify(answered.json));
  assert.equal(answered.json.done, true);
}

for (const f of FORMATS) {
  test(`${f.model}: /v1/chat/completions forces the call in the format's syntax (named and required), then a tool turn`, opts, async () => {
    const tools = [
      { type: "function", function: { name: "get_weather", description: "Weather", parameters: weatherSchema } },
      { type: "function", function: { name: "get_time", description: "Time", parameters: timeSchema } },
    ];
    for (const tool_choice of [{ type: "function", function: { name: "get_weather" } }, "required"]) {
      const { status, json } = await postJson(server, "/v1/chat/completions", {
        model: f.model,
        messages: [{ role: "user", content: ask }],
        tools,
        tool_choice,
        max_tokens: 200,
        temperature: 0,
      });
      assert.equal(status, 200, JSON.stringify(json));
      const choice = json.choices[0];
      assert.equal(choice.finish_reason, "tool_calls", JSON.stringify(json));
      assert.equal(choice.message.tool_calls.length, 1);
      const call = choice.message.tool_calls[0];
      if (typeof tool_choice === "object") assert.equal(call.function.name, "get_weather");
      assertValid(call.function.name, JSON.parse(call.function.arguments));
      assert.equal(choice.message.content ?? "", "");
      // the call's result, answered in a second turn
      const next = await postJson(server, "/v1/chat/completions", {
        model: f.model,
        messages: [
          { role: "user", content: ask },
          { role: "assistant", content: null, tool_calls: [call] },
          { role: "tool", tool_call_id: call.id, content: "Sunny, 21 C" },
        ],
        tools,
        max_tokens: 8,
        temperature: 0,
      });
      assert.equal(next.status, 200, JSON.stringify(next.json));
      assert.equal(next.json.choices[0].message.role, "assistant");
    }
    // streamed, the same call arrives with its arguments in pieces
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: f.model, messages: [{ role: "user", content: ask }], tools, tool_choice: "required", max_tokens: 200, temperature: 0, stream: true }),
    });
    assert.equal(res.status, 200);
    let args = "";
    let name = "";
    let finish = "";
    for (const line of (await res.text()).split("\n")) {
      if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
      const chunk = JSON.parse(line.slice(6));
      for (const c of chunk.choices[0]?.delta?.tool_calls ?? []) {
        name ||= c.function?.name ?? "";
        args += c.function?.arguments ?? "";
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, "tool_calls");
    assertValid(name, JSON.parse(args));
  });

  test(`${f.model}: /v1/messages honours tool_choice tool and any, and answers the tool_result turn`, opts, async () => {
    const tools = [
      { name: "get_weather", description: "Weather", input_schema: weatherSchema },
      { name: "get_time", description: "Time", input_schema: timeSchema },
    ];
    for (const tool_choice of [{ type: "tool", name: "get_weather" }, { type: "any" }]) {
      const { status, json } = await postJson(server, "/v1/messages", {
        model: f.model,
        max_tokens: 200,
        messages: [{ role: "user", content: ask }],
        tools,
        tool_choice,
      });
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.stop_reason, "tool_use", JSON.stringify(json));
      const uses = json.content.filter((b: { type: string }) => b.type === "tool_use");
      assert.equal(uses.length, 1, JSON.stringify(json.content));
      const use = uses[0];
      assert.match(use.id, /^toolu_/);
      if (tool_choice.type === "tool") assert.equal(use.name, "get_weather");
      assertValid(use.name, use.input);
      if (use.name === "get_weather") await roundTrip(f, { name: use.name, arguments: use.input });
      const next = await postJson(server, "/v1/messages", {
        model: f.model,
        max_tokens: 8,
        messages: [
          { role: "user", content: ask },
          { role: "assistant", content: [use] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "Sunny, 21 C" }] },
        ],
        tools,
      });
      assert.equal(next.status, 200, JSON.stringify(next.json));
      assert.equal(next.json.type, "message");
    }
  });

  test(`${f.model}: /v1/responses honours tool_choice required and a named function, then a function_call_output turn`, opts, async () => {
    const tools = [
      { type: "function", name: "get_weather", description: "Weather", parameters: weatherSchema },
      { type: "function", name: "get_time", description: "Time", parameters: timeSchema },
    ];
    for (const tool_choice of [{ type: "function", name: "get_time" }, "required"]) {
      const { status, json } = await postJson(server, "/v1/responses", {
        model: f.model,
        input: ask,
        tools,
        tool_choice,
        max_output_tokens: 200,
        store: true,
      });
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.status, "completed", JSON.stringify(json));
      const calls = json.output.filter((i: { type: string }) => i.type === "function_call");
      assert.equal(calls.length, 1, JSON.stringify(json.output));
      const call = calls[0];
      if (typeof tool_choice === "object") assert.equal(call.name, "get_time");
      assertValid(call.name, JSON.parse(call.arguments));
      const next = await postJson(server, "/v1/responses", {
        model: f.model,
        previous_response_id: json.id,
        input: [{ type: "function_call_output", call_id: call.call_id, output: "12:00" }],
        tools,
        max_output_tokens: 8,
      });
      assert.equal(next.status, 200, JSON.stringify(next.json));
      assert.ok(["completed", "incomplete"].includes(next.json.status));
    }
  });
}

// Not DeepSeek here: its markers hold "▁", which the fixture's SentencePiece vocabulary writes back as a space, so
// the forced text is not read back as written (a real DeepSeek vocabulary has them as special tokens).
for (const f of FORMATS.filter((f) => f.model !== "deepseek-tools")) {
  test(`${f.model}: /api/chat takes tool_choice (tollama addition): the forced call comes back whole, streamed or not`, opts, async () => {
    const tools = [
      { type: "function", function: { name: "get_weather", description: "Weather", parameters: weatherSchema } },
      { type: "function", function: { name: "get_time", description: "Time", parameters: timeSchema } },
    ];
    const body = { model: f.model, messages: [{ role: "user", content: ask }], tools, options: { num_predict: 96, temperature: 0 } };
    const named = await postJson(server, "/api/chat", { ...body, stream: false, tool_choice: { type: "function", function: { name: "get_time" } } });
    assert.equal(named.status, 200, JSON.stringify(named.json));
    const calls = named.json.message.tool_calls as { function: { name: string; arguments: unknown } }[];
    assert.equal(calls?.length, 1, JSON.stringify(named.json.message));
    assert.equal(calls[0].function.name, "get_time");
    assertValid("get_time", calls[0].function.arguments);
    const response = await fetch(`${server.url}/api/chat`, { method: "POST", body: JSON.stringify({ ...body, tool_choice: "required" }) });
    const lines = (await response.text()).trim().split("\n").map((line) => JSON.parse(line));
    const streamed = lines.flatMap((chunk) => chunk.message?.tool_calls ?? []) as { function: { name: string; arguments: unknown } }[];
    assert.equal(streamed.length, 1, JSON.stringify(lines.slice(-3)));
    assertValid(streamed[0].function.name, streamed[0].function.arguments);
    const bad = await postJson(server, "/api/chat", { ...body, stream: false, tool_choice: { type: "function", function: { name: "nope" } } });
    assert.equal(bad.status, 400);
  });
}

test("format (a JSON schema) on /api/chat answers where each format answers (harmony: the final channel), content is the JSON", opts, async () => {
  const schema = { type: "object", properties: { ok: { type: "boolean" }, city: { type: "string", enum: ["Paris", "Oslo"] } }, required: ["ok", "city"] };
  for (const f of FORMATS) {
    const { status, json } = await postJson(server, "/api/chat", {
      model: f.model,
      messages: [{ role: "user", content: ask }],
      format: schema,
      stream: false,
      options: { num_predict: 80, temperature: 0 },
    });
    assert.equal(status, 200, JSON.stringify(json));
    const answer = JSON.parse(json.message.content);
    assert.equal(typeof answer.ok, "boolean", f.model);
    assert.ok(["Paris", "Oslo"].includes(answer.city), f.model);
  }
});
