// Each format's forcing grammar, against real libllama: it parses (llama_sampler_init_grammar gives a sampler),
// the format's canonical call text is accepted token by token up to a complete grammar (the check the sampler
// makes: a one-candidate array through llama_sampler_apply), text the grammar must refuse is refused, and the
// format's own parser reads the canonical text back as the call.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Llama, Model } from "../../llama/mod.ts";
import type { Tool } from "../../prompt/mod.ts";
import { type ChatFormat, chatFormat, type ChatFormatOptions } from "../chat_format.ts";
import { GRAMMAR_FAMILIES, jsonSchemaToGbnf } from "./mod.ts";
import { until } from "./tool_grammar.ts";

const VOCAB = join(dirname(fileURLToPath(import.meta.url)), "../../../.cache/llama.cpp/models/ggml-vocab-llama-bpe.gguf");
const skip = existsSync(VOCAB) ? false : `needs ${VOCAB}`;

const weather: Tool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather",
    parameters: {
      type: "object",
      properties: { city: { type: "string", enum: ["Paris", "Oslo"] }, days: { type: "integer" }, unit: { type: "string" } },
      required: ["city", "days"],
    },
  },
};
const time: Tool = {
  type: "function",
  function: { name: "get_time", description: "Time", parameters: { type: "object", properties: { zone: { type: "string" } }, required: ["zone"] } },
};
const tools = [weather, time];
const ARGS = { city: "Paris", days: 3 };
const ARGS_TEXT = JSON.stringify(ARGS);

let model: Model | undefined;

/** The vocabulary the grammars are checked with (loaded once, without weights). */
async function vocabModel(): Promise<Model> {
  if (!model) model = Model.load(await Llama.open(), VOCAB, { vocabOnly: true });
  return model;
}
after(() => model?.close());

const DATA = 64;
const ITEM = 12;

/** Whether `grammar` parses and accepts exactly `text` (token by token, then end of generation). */
async function accepts(grammar: string, text: string): Promise<boolean> {
  const m = await vocabModel();
  const { ffi } = m.llama;
  const fn = ffi.fn;
  const sampler = fn.llama_sampler_init_grammar(fn.llama_model_get_vocab(m.handle), new TextEncoder().encode(grammar + "\0"), new TextEncoder().encode("root\0"));
  assert.notEqual(ffi.address(sampler), 0n, `libllama refused the grammar:\n${grammar}`);
  const buffer = new Uint8Array(DATA + ITEM);
  const view = new DataView(buffer.buffer);
  const allowed = (token: number) => {
    view.setBigUint64(0, ffi.bufferAddress(buffer) + BigInt(DATA), true);
    view.setBigUint64(8, 1n, true);
    view.setBigInt64(16, -1n, true);
    view.setUint8(24, 0);
    view.setInt32(DATA, token, true);
    view.setFloat32(DATA + 4, 1, true);
    view.setFloat32(DATA + 8, 0, true);
    fn.llama_sampler_apply(sampler, buffer);
    return view.getFloat32(DATA + 4, true) !== -Infinity;
  };
  try {
    for (const token of m.vocab.tokenize(text, { addSpecial: false, parseSpecial: false })) {
      if (!allowed(token)) return false;
      fn.llama_sampler_accept(sampler, token);
    }
    return allowed(m.vocab.eos);
  } finally {
    fn.llama_sampler_free(sampler);
  }
}

function parse(fmt: ChatFormat, text: string, options: { think?: boolean; prompt?: string } = {}) {
  const p = fmt.parser({ tools, think: options.think, prompt: options.prompt, bareJson: true });
  const a = p.add(text);
  const b = p.finish();
  return {
    content: a.content + b.content,
    thinking: a.thinking + b.thinking,
    calls: [...a.toolCalls, ...b.toolCalls].map((c) => ({ name: c.name, arguments: c.arguments })),
  };
}

interface Case {
  format: ChatFormatOptions;
  name: string;
  /** The call of get_weather with ARGS, as the format writes it. */
  call: string;
  /** Two calls (get_weather, then get_time {zone: "UTC"}), where the format writes calls in parallel. */
  two?: string;
  /** Thinking, then the call, where the format thinks first. */
  thought?: string;
  /** Text the grammar must refuse (wrong syntax or arguments). */
  wrong: string[];
}

const CASES: Case[] = [
  {
    format: { parser: "harmony" },
    name: "harmony",
    call: `<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>${ARGS_TEXT}`,
    thought: `<|channel|>analysis<|message|>Look it up.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>${ARGS_TEXT}`,
    wrong: [
      `<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city": "Rome", "days": 3}`,
      `<|channel|>final<|message|>hi`,
      // nothing after the arguments: it would be content after the call
      `<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>${ARGS_TEXT} `,
    ],
  },
  {
    format: { parser: "qwen3" },
    name: "hermes",
    call: `<tool_call>\n{"name": "get_weather", "arguments": ${ARGS_TEXT}}\n</tool_call>`,
    two: `<tool_call>\n{"name": "get_weather", "arguments": ${ARGS_TEXT}}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {"zone": "UTC"}}\n</tool_call>`,
    thought: `<think>Look it up.</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": ${ARGS_TEXT}}\n</tool_call>`,
    wrong: [`{"name": "get_weather", "arguments": ${ARGS_TEXT}}`, `<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>`],
  },
  {
    format: { jinja: "{{ '[SYSTEM_PROMPT]' }}{{ '[TOOL_CALLS]' + name + '[ARGS]' }}[THINK]" },
    name: "magistral",
    call: `[TOOL_CALLS]get_weather[ARGS]${ARGS_TEXT}`,
    two: `[TOOL_CALLS]get_weather[ARGS]${ARGS_TEXT}[TOOL_CALLS]get_time[ARGS]{"zone": "UTC"}`,
    thought: `[THINK]Look it up.[/THINK][TOOL_CALLS]get_weather[ARGS]${ARGS_TEXT}`,
    wrong: [`[TOOL_CALLS]get_wether[ARGS]${ARGS_TEXT}`, `[TOOL_CALLS]get_weather[ARGS]${ARGS_TEXT}\n`, `[TOOL_CALLS][{"name": "get_weather", "arguments": ${ARGS_TEXT}}]`],
  },
  {
    format: { jinja: "{{ '[TOOL_CALLS]' }}{{ tool_calls|tojson }}" },
    name: "mistral",
    call: `[TOOL_CALLS][{"name": "get_weather", "arguments": ${ARGS_TEXT}}]`,
    two: `[TOOL_CALLS][{"name": "get_weather", "arguments": ${ARGS_TEXT}}, {"name": "get_time", "arguments": {"zone": "UTC"}}]`,
    wrong: [`[TOOL_CALLS]get_weather[ARGS]${ARGS_TEXT}`],
  },
  {
    format: { jinja: "<|start_header_id|>assistant<|end_header_id|>" },
    name: "llama3",
    call: `{"name": "get_weather", "parameters": ${ARGS_TEXT}}`,
    two: `{"name": "get_weather", "parameters": ${ARGS_TEXT}}; {"name": "get_time", "parameters": {"zone": "UTC"}}`,
    wrong: [`{"name": "get_weather", "arguments": ${ARGS_TEXT}}`, `<|python_tag|>{"name": "get_weather", "parameters": ${ARGS_TEXT}}`],
  },
  {
    format: { jinja: "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜><think></think>" },
    name: "deepseek-r1",
    call: `<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n\`\`\`json\n${ARGS_TEXT}\n\`\`\`<｜tool▁call▁end｜><｜tool▁calls▁end｜>`,
    two: `<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n\`\`\`json\n${ARGS_TEXT}\n\`\`\`<｜tool▁call▁end｜>\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_time\n\`\`\`json\n{"zone": "UTC"}\n\`\`\`<｜tool▁call▁end｜><｜tool▁calls▁end｜>`,
    thought: `<think>Look it up.</think>\n\n<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n\`\`\`json\n${ARGS_TEXT}\n\`\`\`<｜tool▁call▁end｜><｜tool▁calls▁end｜>`,
    wrong: [`<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>${ARGS_TEXT}<｜tool▁call▁end｜><｜tool▁calls▁end｜>`],
  },
  {
    format: { parser: "deepseek3.1" },
    name: "deepseek-v3",
    call: `<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>${ARGS_TEXT}<｜tool▁call▁end｜><｜tool▁calls▁end｜>`,
    two: `<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>${ARGS_TEXT}<｜tool▁call▁end｜><｜tool▁call▁begin｜>get_time<｜tool▁sep｜>{"zone": "UTC"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>`,
    wrong: [`<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"days": 3}<｜tool▁call▁end｜><｜tool▁calls▁end｜>`],
  },
  {
    format: { parser: "qwen3-coder" },
    name: "qwen3-coder",
    call: `<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>`,
    two: `<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>\n<tool_call>\n<function=get_time>\n<parameter=zone>\nUTC\n</parameter>\n</function>\n</tool_call>`,
    thought: `<think>Look it up.</think>\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>`,
    wrong: [`<tool_call>\n<function=get_weather>\n<parameter=city>\nRome\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>`],
  },
  {
    format: { parser: "glm-4.7" },
    name: "glm-4.5",
    call: `<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n</tool_call>`,
    two: `<tool_call>get_weather<arg_key>city</arg_key><arg_value>Paris</arg_value><arg_key>days</arg_key><arg_value>3</arg_value></tool_call>\n<tool_call>get_time<arg_key>zone</arg_key><arg_value>UTC</arg_value></tool_call>`,
    wrong: [`<tool_call>get_weather<arg_key>days</arg_key><arg_value>x</arg_value></tool_call>`],
  },
  {
    format: { jinja: "<|tool_calls_section_begin|><|tool_call_begin|>" },
    name: "kimi-k2",
    call: `<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>${ARGS_TEXT}<|tool_call_end|><|tool_calls_section_end|>`,
    two: `<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>${ARGS_TEXT}<|tool_call_end|><|tool_call_begin|>functions.get_time:1<|tool_call_argument_begin|>{"zone": "UTC"}<|tool_call_end|><|tool_calls_section_end|>`,
    wrong: [`<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather<|tool_call_argument_begin|>${ARGS_TEXT}<|tool_call_end|><|tool_calls_section_end|>`],
  },
  {
    format: { jinja: "<TOOLCALL>" },
    name: "nemotron-v2",
    call: `<TOOLCALL>[{"name": "get_weather", "arguments": ${ARGS_TEXT}}]</TOOLCALL>`,
    two: `<TOOLCALL>[{"name": "get_weather", "arguments": ${ARGS_TEXT}}, {"name": "get_time", "arguments": {"zone": "UTC"}}]</TOOLCALL>`,
    thought: `<think>Look it up.</think>\n<TOOLCALL>[{"name": "get_weather", "arguments": ${ARGS_TEXT}}]</TOOLCALL>`,
    wrong: [`<TOOLCALL>{"name": "get_weather", "arguments": ${ARGS_TEXT}}</TOOLCALL>`],
  },
  {
    format: { jinja: "<|tools_prefix|>" },
    name: "apertus",
    call: `<|tools_prefix|>[{"get_weather": ${ARGS_TEXT}}]<|tools_suffix|>`,
    two: `<|tools_prefix|>[{"get_weather": ${ARGS_TEXT}}, {"get_time": {"zone": "UTC"}}]<|tools_suffix|>`,
    wrong: [`<|tools_prefix|>[{"name": "get_weather", "arguments": ${ARGS_TEXT}}]<|tools_suffix|>`],
  },
  {
    format: { jinja: "functools[" },
    name: "firefunction-v2",
    call: ` functools[{"name": "get_weather", "arguments": ${ARGS_TEXT}}]`,
    two: ` functools[{"name": "get_weather", "arguments": ${ARGS_TEXT}}, {"name": "get_time", "arguments": {"zone": "UTC"}}]`,
    wrong: [`[{"name": "get_weather", "arguments": ${ARGS_TEXT}}]`],
  },
  {
    format: { jinja: "<|START_ACTION|>" },
    name: "command-r7b",
    call: `<|START_THINKING|><|END_THINKING|><|START_ACTION|>[\n    {"tool_call_id": "0", "tool_name": "get_weather", "parameters": ${ARGS_TEXT}}\n]<|END_ACTION|>`,
    two: `<|START_ACTION|>[\n    {"tool_call_id": "0", "tool_name": "get_weather", "parameters": ${ARGS_TEXT}},\n    {"tool_call_id": "1", "tool_name": "get_time", "parameters": {"zone": "UTC"}}\n]<|END_ACTION|>`,
    wrong: [`<|START_ACTION|>[{"tool_name": "get_weather", "parameters": ${ARGS_TEXT}}]<|END_ACTION|>`],
  },
  {
    format: { jinja: "<|role_sep|>" },
    name: "gigachat",
    call: `<|function_call|>{"name": "get_weather", "arguments": ${ARGS_TEXT}}`,
    wrong: [`{"name": "get_weather", "arguments": ${ARGS_TEXT}}`],
  },
  {
    format: { jinja: "<function=<|start_header_id|>" },
    name: "functionary-v3.1",
    call: `<function=get_weather>${ARGS_TEXT}</function>`,
    two: `<function=get_weather>${ARGS_TEXT}</function><function=get_time>{"zone": "UTC"}</function>`,
    wrong: [`<function=get_weather>{"days": 3}</function>`],
  },
  {
    format: { jinja: "<minimax:tool_call>" },
    name: "minimax-m2",
    call: `<minimax:tool_call>\n<invoke name="get_weather">\n<parameter name="city">Paris</parameter>\n<parameter name="days">3</parameter>\n</invoke>\n</minimax:tool_call>`,
    wrong: [`<minimax:tool_call>\n<invoke name="get_weather">\n<parameter name="city">Rome</parameter>\n<parameter name="days">3</parameter>\n</invoke>\n</minimax:tool_call>`],
  },
  {
    format: { jinja: "{% set dsml_token = '｜DSML｜' %}" },
    name: "deepseek-v4",
    call: `<｜DSML｜tool_calls>\n<｜DSML｜invoke name="get_weather">\n<｜DSML｜parameter name="city" string="true">Paris</｜DSML｜parameter>\n<｜DSML｜parameter name="days" string="false">3</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜tool_calls>`,
    wrong: [`<｜DSML｜tool_calls>\n<｜DSML｜invoke name="get_weather">\n<｜DSML｜parameter name="city" string="true">Paris</｜DSML｜parameter>\n<｜DSML｜parameter name="days" string="true">3</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜tool_calls>`],
  },
  {
    format: { jinja: "<tool_sep:opensource><tool_calls:opensource>" },
    name: "hunyuan3",
    call: `<tool_calls:opensource>\n<tool_call:opensource>get_weather<tool_sep:opensource>\n<arg_key:opensource>city</arg_key:opensource>\n<arg_value:opensource>Paris</arg_value:opensource>\n<arg_key:opensource>days</arg_key:opensource>\n<arg_value:opensource>3</arg_value:opensource>\n</tool_call:opensource>\n</tool_calls:opensource>`,
    wrong: [`<tool_calls:opensource>\n<tool_call:opensource>get_weather<tool_sep:opensource>\n<arg_key:opensource>days</arg_key:opensource>\n<arg_value:opensource>3</arg_value:opensource>\n</tool_call:opensource>\n</tool_calls:opensource>`],
  },
  {
    format: { jinja: "{{ '<|tool_call>call:' }}<tool_call|>" },
    name: "gemma4",
    call: `<|tool_call>call:get_weather{city:<|"|>Paris<|"|>,days:3}<tool_call|>`,
    two: `<|tool_call>call:get_weather{city:<|"|>Paris<|"|>,days:3}<tool_call|><|tool_call>call:get_time{zone:<|"|>UTC<|"|>}<tool_call|>`,
    thought: `<|channel>thought\nLook it up.<channel|><|tool_call>call:get_weather{city:<|"|>Paris<|"|>,days:3}<tool_call|>`,
    wrong: [`<|tool_call>call:get_weather{days:3,city:<|"|>Paris<|"|>}<tool_call|>`, `<|tool_call>call:get_weather{city:<|"|>Rome<|"|>,days:3}<tool_call|>`],
  },
  {
    format: { jinja: "<|tool_call|>" },
    name: "granite",
    call: `<|tool_call|>[{"name": "get_weather", "arguments": ${ARGS_TEXT}}]`,
    two: `<|tool_call|>[{"name": "get_weather", "arguments": ${ARGS_TEXT}}, {"name": "get_time", "arguments": {"zone": "UTC"}}]`,
    thought: `<think>Look it up.</think>\n<|tool_call|>[{"name": "get_weather", "arguments": ${ARGS_TEXT}}]`,
    wrong: [`<|tool_call|>{"name": "get_weather", "arguments": ${ARGS_TEXT}}`],
  },
  {
    format: { jinja: "<|tool_call:begin|>" },
    name: "solar-open",
    call: `<|tool_calls|><|tool_call:begin|>call00000<|tool_call:name|>get_weather<|tool_call:args|>${ARGS_TEXT}<|tool_call:end|>`,
    two: `<|tool_calls|><|tool_call:begin|>call00000<|tool_call:name|>get_weather<|tool_call:args|>${ARGS_TEXT}<|tool_call:end|><|tool_call:begin|>call00001<|tool_call:name|>get_time<|tool_call:args|>{"zone": "UTC"}<|tool_call:end|>`,
    thought: `<|think|>Look it up.<|end|><|tool_calls|><|tool_call:begin|>call00000<|tool_call:name|>get_weather<|tool_call:args|>${ARGS_TEXT}<|tool_call:end|>`,
    wrong: [`<|tool_calls|><|tool_call:begin|>call00000<|tool_call:name|>get_weather<|tool_call:args|>{"city": "Paris"}<|tool_call:end|>`],
  },
  {
    format: { jinja: "<|tool_call_start|>" },
    name: "lfm2",
    call: `<|tool_call_start|>[get_weather(city='Paris', days=3)]<|tool_call_end|>`,
    two: `<|tool_call_start|>[get_weather(city='Paris', days=3), get_time(zone='UTC')]<|tool_call_end|>`,
    thought: `<think>Look it up.</think>\n<|tool_call_start|>[get_weather(city='Paris', days=3)]<|tool_call_end|>`,
    wrong: [`<|tool_call_start|>[get_weather(days=3)]<|tool_call_end|>`, `<|tool_call_start|>[get_weather(city='Rome', days=3)]<|tool_call_end|>`],
  },
  {
    format: { jinja: "<function_calls><functions>" },
    name: "olmo3",
    call: `<function_calls>get_weather(city="Paris", days=3)</function_calls>`,
    two: `<function_calls>get_weather(city="Paris", days=3)\nget_time(zone="UTC")</function_calls>`,
    wrong: [`<function_calls>get_weather(city="Paris", days="3")</function_calls>`],
  },
  {
    format: { jinja: "{{ messages }}" },
    name: "generic",
    call: `{"name": "get_weather", "arguments": ${ARGS_TEXT}}`,
    wrong: [`{"name": "get_weather", "parameters": ${ARGS_TEXT}}`],
  },
  {
    format: {
      template:
        `{{ .Prompt }}{{ if .ToolCalls }}<calls>{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}{{ end }}</calls>{{ end }}`,
    },
    name: "go-template",
    call: `<calls>{"name": "get_weather", "arguments": ${ARGS_TEXT}}`,
    wrong: [`{"name": "get_weather", "arguments": ${ARGS_TEXT}}`],
  },
];

const WEATHER_CALL = { name: "get_weather", arguments: ARGS };
const TIME_CALL = { name: "get_time", arguments: { zone: "UTC" } };

test("every family with a grammar of its own has a case here", () => {
  for (const family of GRAMMAR_FAMILIES) {
    assert.ok(CASES.some((c) => c.name === family), family);
  }
});

for (const c of CASES) {
  test(`${c.name}: the forcing grammar accepts the format's call, refuses others, and the parser reads it`, { skip }, async () => {
    const fmt = chatFormat(c.format);
    assert.equal(fmt.name, c.name);
    const one = fmt.toolCallGrammar(tools, {});
    assert.ok(await accepts(one, c.call), `${c.name} refused its call:\n${c.call}\n${one}`);
    for (const wrong of c.wrong) assert.equal(await accepts(one, wrong), false, `${c.name} accepted ${wrong}`);
    assert.deepEqual(parse(fmt, c.call).calls, [WEATHER_CALL]);
    // a named function: only that one
    const named = fmt.toolCallGrammar(tools, { name: "get_time" });
    assert.equal(await accepts(named, c.call), false);
    assert.ok(await accepts(fmt.toolCallGrammar(tools, { name: "get_weather" }), c.call));
    if (c.two) {
      assert.equal(await accepts(one, c.two), false, "one call only without parallel");
      assert.ok(await accepts(fmt.toolCallGrammar(tools, { parallel: true }), c.two), `${c.name} parallel`);
      assert.deepEqual(parse(fmt, c.two).calls, [WEATHER_CALL, TIME_CALL]);
    }
    if (c.thought) {
      assert.equal(await accepts(one, c.thought), false, "no thinking unless the request thinks");
      const thinking = fmt.toolCallGrammar(tools, { think: true });
      assert.ok(await accepts(thinking, c.thought), `${c.name} thinking first`);
      assert.ok(await accepts(thinking, c.call), `${c.name} thinking is optional`);
      const read = parse(fmt, c.thought, { think: true });
      assert.deepEqual(read.calls, [WEATHER_CALL]);
      assert.equal(read.thinking.trim(), "Look it up.");
    }
  });
}

test("a prompt that opened <think> has the grammar close it before the call", { skip }, async () => {
  const fmt = chatFormat({ parser: "qwen3" });
  const grammar = fmt.toolCallGrammar(tools, { prompt: "<|im_start|>assistant\n<think>\n" });
  const call = `<tool_call>\n{"name": "get_weather", "arguments": ${ARGS_TEXT}}\n</tool_call>`;
  assert.ok(await accepts(grammar, `Hmm.\n</think>\n\n${call}`));
  assert.equal(await accepts(grammar, call), false);
  assert.deepEqual(parse(fmt, `Hmm.\n</think>\n\n${call}`, { think: true, prompt: "<|im_start|>assistant\n<think>\n" }).calls, [WEATHER_CALL]);
});

test("harmony: a prompt without the assistant header has the model write it", { skip }, async () => {
  const fmt = chatFormat({ parser: "harmony" });
  const call = `<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>${ARGS_TEXT}`;
  assert.ok(await accepts(fmt.toolCallGrammar(tools, { prompt: "<|start|>user<|message|>hi<|end|>" }), `<|start|>assistant${call}`));
  assert.ok(await accepts(fmt.toolCallGrammar(tools, { prompt: "<|start|>user<|message|>hi<|end|><|start|>assistant" }), call));
});

test("an unknown forced name is a RangeError; tools are required", () => {
  const fmt = chatFormat({ parser: "qwen3" });
  assert.throws(() => fmt.toolCallGrammar(tools, { name: "nope" }), RangeError);
  assert.throws(() => fmt.toolCallGrammar([], {}), RangeError);
});

test("until() accepts text without the marker and stops at it", { skip }, async () => {
  const grammar = `root ::= ${until("</think>")} "</think>"\n`;
  assert.ok(await accepts(grammar, "a < b </thin x </think>"));
  assert.equal(await accepts(grammar, "a </think> b </think>"), false);
});

test("a schema's $defs are read per tool (two tools with a $ref of the same name)", { skip }, async () => {
  const a: Tool = {
    type: "function",
    function: { name: "a", description: "", parameters: { type: "object", properties: { v: { $ref: "#/$defs/x" } }, required: ["v"], $defs: { x: { type: "integer" } } } },
  };
  const b: Tool = {
    type: "function",
    function: { name: "b", description: "", parameters: { type: "object", properties: { v: { $ref: "#/$defs/x" } }, required: ["v"], $defs: { x: { type: "boolean" } } } },
  };
  const grammar = chatFormat({ parser: "qwen3" }).toolCallGrammar([a, b], {});
  assert.ok(await accepts(grammar, `<tool_call>\n{"name": "a", "arguments": {"v": 1}}\n</tool_call>`));
  assert.ok(await accepts(grammar, `<tool_call>\n{"name": "b", "arguments": {"v": true}}\n</tool_call>`));
  assert.equal(await accepts(grammar, `<tool_call>\n{"name": "b", "arguments": {"v": 1}}\n</tool_call>`), false);
});

test("a JSON answer goes where the format answers: harmony's final channel, after thinking", { skip }, async () => {
  const schema = jsonSchemaToGbnf({ type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] });
  const harmony = chatFormat({ parser: "harmony" });
  const final = `<|channel|>final<|message|>{"ok": true}`;
  assert.ok(await accepts(harmony.responseGrammar(schema), final));
  assert.equal(await accepts(harmony.responseGrammar(schema), `{"ok": true}`), false);
  const thought = `<|channel|>analysis<|message|>Sure.<|end|><|start|>assistant${final}`;
  assert.ok(await accepts(harmony.responseGrammar(schema, { think: true }), thought));
  const read = parse(harmony, thought, { think: true });
  assert.deepEqual([read.content, read.thinking], [`{"ok": true}`, "Sure."]);

  const qwen = chatFormat({ parser: "qwen3" });
  assert.equal(qwen.responseGrammar(schema), schema, "no thinking: the plain grammar");
  const opened = qwen.responseGrammar(schema, { prompt: "<|im_start|>assistant\n<think>\n" });
  assert.ok(await accepts(opened, `Hmm.\n</think>\n\n{"ok": false}`));
  assert.equal(await accepts(opened, `{"ok": false}`), false);
  const optional = qwen.responseGrammar(schema, { think: true });
  assert.ok(await accepts(optional, `<think>Hmm.</think>\n{"ok": false}`));
  assert.ok(await accepts(optional, `{"ok": false}`));

  const magistral = chatFormat({ jinja: "[TOOL_CALLS][ARGS][THINK]" });
  assert.ok(await accepts(magistral.responseGrammar(schema, { think: true }), `[THINK]Hmm.[/THINK]{"ok": true}`));
});

// llama.cpp's own corpus (../shared/conformance/chatfmt, read when present): every output of a template whose
// format has a grammar here, where llama.cpp reads tool calls, is text the grammar allows (for the case's
// tools, prompt and thinking), and the format's parser reads the same calls from it.
function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), "../../../../shared/conformance/chatfmt");
const corpusSkip = skip || (existsSync(join(CORPUS, "cases.jsonl")) ? false : `needs ${CORPUS}`);

test("llama.cpp's tool-call outputs are allowed by their format's grammar and read back as the same calls", { skip: corpusSkip }, async () => {
  const templates = JSON.parse(readFileSync(join(CORPUS, "templates.json"), "utf8")).templates;
  let checked = 0;
  const refused: string[] = [];
  for (const line of readFileSync(join(CORPUS, "cases.jsonl"), "utf8").split("\n")) {
    if (!line) continue;
    const c = JSON.parse(line);
    const expected = c.expect?.message?.tool_calls as { name: string; arguments: string }[] | undefined;
    if (c.kind !== "parse" || !c.expect?.ok || !expected?.length) continue;
    const t = templates[c.template];
    const fmt = chatFormat({ jinja: t.source, bosToken: t.bos_token, eosToken: t.eos_token });
    if (!GRAMMAR_FAMILIES.includes(fmt.name)) continue;
    checked++;
    const grammar = fmt.toolCallGrammar(c.tools, { parallel: expected.length > 1, think: c.enable_thinking, prompt: c.prompt });
    if (!await accepts(grammar, c.output)) refused.push(`${c.id} (${fmt.name})`);
    // llama.cpp's own arguments text is not always JSON (LFM2 keeps a raw newline in a string): compare where it is
    const wanted = expected.map((x) => [x.name, jsonOrUndefined(x.arguments)]);
    if (wanted.some(([, args]) => args === undefined)) continue;
    const p = fmt.parser({ tools: c.tools, think: c.enable_thinking, prompt: c.prompt });
    const calls = [...p.add(c.output).toolCalls, ...p.finish().toolCalls];
    assert.deepEqual(calls.map((x) => [x.name, x.arguments]), wanted, c.id);
  }
  assert.deepEqual(refused, []);
  assert.ok(checked >= 118, `only ${checked} cases checked`);
});
