// Ollama's named parsers through chatFormat({ parser }): cases from Ollama's model/parsers/*_test.go, each fed
// whole, split at every point and character by character (the message must not depend on the chunking).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chatFormat } from "./chat_format.ts";
import { NAMED_PARSERS } from "./named_parsers.ts";
import type { Think, Tool } from "../prompt/mod.ts";
import type { FormatChunk } from "./types.ts";

const fn = (name: string, properties: Record<string, string> = {}): Tool => ({
  type: "function",
  function: { name, parameters: { type: "object", properties: Object.fromEntries(Object.entries(properties).map(([k, type]) => [k, { type }])) } },
});

function feed(parser: string, pieces: string[], options: { tools?: Tool[]; think?: Think }): FormatChunk {
  const p = chatFormat({ parser }).parser(options);
  const all: FormatChunk = { content: "", thinking: "", toolCalls: [] };
  for (const r of [...pieces.map((x) => p.add(x)), p.finish()]) {
    all.content += r.content;
    all.thinking += r.thinking;
    all.toolCalls.push(...r.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })));
  }
  return all;
}

/** What `text` parses to with Ollama's parser `parser`; the same for every chunking. */
function parse(parser: string, text: string, options: { tools?: Tool[]; think?: Think } = {}): FormatChunk {
  const whole = feed(parser, [text], options);
  const chars = Array.from(text);
  for (let i = 1; i < chars.length; i++) {
    assert.deepStrictEqual(feed(parser, [chars.slice(0, i).join(""), chars.slice(i).join("")], options), whole, `${parser} split at ${i}`);
  }
  assert.deepStrictEqual(feed(parser, chars, options), whole, `${parser} char by char`);
  return whole;
}

const msg = (content: string, thinking = "", toolCalls: FormatChunk["toolCalls"] = []) => ({ content, thinking, toolCalls });

test("NAMED_PARSERS answers every parser name in Ollama's registry", () => {
  const names = [
    "qwen3", "qwen3-thinking", "qwen3.5", "ornith", "qwen3-coder", "qwen3-vl-instruct", "qwen3-vl-thinking", "ministral", "passthrough",
    "harmony", "cogito", "deepseek3", "olmo3", "olmo3-think", "nemotron-3-nano", "nemotron-3.5-nano", "functiongemma", "glm-4.7",
    "gemma4", "gemma4-no-thinking", "glm-ocr", "lfm2", "lfm2-thinking", "laguna", "poolside-v1", "cohere", "glimmer",
  ];
  assert.deepEqual(Object.keys(NAMED_PARSERS).sort(), names.sort());
  for (const name of names) assert.equal(typeof chatFormat({ parser: name }).name, "string");
});

test("qwen3.5: XML calls typed by the schema; thinking by default, the model's own <think> skipped, white space trimmed", () => {
  const tools = [fn("get_weather", { location: "string", days: "integer" })];
  const xml = "<tool_call><function=get_weather><parameter=location>\nSan Francisco\n</parameter><parameter=days>\n3\n</parameter></function></tool_call>";
  assert.deepStrictEqual(parse("qwen3.5", xml, { tools, think: false }), msg("", "", [{ name: "get_weather", arguments: { location: "San Francisco", days: 3 } }]));
  assert.deepStrictEqual(parse("qwen3.5", "<think>\nLet me think...</think>Answer.", { think: true }), msg("Answer.", "Let me think..."));
  // think unset: on, as Ollama's qwen3.5 parser
  assert.deepStrictEqual(parse("qwen3.5", "Hmm.</think>\n\nYes."), msg("Yes.", "Hmm."));
});

test("nemotron-3-nano: thinking until </think>, content and XML calls after it", () => {
  const tools = [fn("get_weather", { city: "string" }), fn("search", { query: "string" })];
  assert.deepStrictEqual(parse("nemotron-3-nano", "Let me think about this...</think>\nHere is my answer.", { think: true }), msg("Here is my answer.", "Let me think about this..."));
  assert.deepStrictEqual(
    parse("nemotron-3-nano", "I should check the weather...</think>\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>", { tools, think: true }),
    msg("", "I should check the weather...", [{ name: "get_weather", arguments: { city: "Paris" } }]),
  );
  assert.deepStrictEqual(
    parse("nemotron-3-nano", "Let me think...</think>\nI'll check for you.\n<tool_call>\n<function=search>\n<parameter=query>\ntest\n</parameter>\n</function>\n</tool_call>", { tools, think: true }),
    msg("I'll check for you.", "Let me think...", [{ name: "search", arguments: { query: "test" } }]),
  );
  assert.deepStrictEqual(parse("nemotron-3-nano", "</think>\nHere is my answer.", { think: true }), msg("Here is my answer."));
  assert.deepStrictEqual(parse("nemotron-3-nano", "</think>\nSome content after spurious tag.", { think: false }), msg("</think>\nSome content after spurious tag."));
  assert.deepStrictEqual(parse("nemotron-3-nano", "My thoughts...</think>   \n\t\n   Content here.", { think: true }), msg("Content here.", "My thoughts..."));
  assert.deepStrictEqual(parse("nemotron-3.5-nano", "<think>\nLet me think about this...</think>\nHere is my answer.", { think: true }), msg("Here is my answer.", "Let me think about this..."));
});

test("glm-4.7: the prompt opened thinking; arg_key/arg_value calls typed by the schema", () => {
  const tools = [fn("calculate", { count: "integer", enabled: "boolean" })];
  assert.deepStrictEqual(
    parse("glm-4.7", "plan</think>Answer<tool_call>calculate<arg_key>count</arg_key><arg_value>3</arg_value><arg_key>enabled</arg_key><arg_value>true</arg_value></tool_call>", { tools }),
    msg("Answer", "plan", [{ name: "calculate", arguments: { count: 3, enabled: true } }]),
  );
  assert.deepStrictEqual(parse("glm-4.7", "Just an answer.", { think: false }), msg("Just an answer."));
});

test("olmo3-think: thinking first, the first </think> ends it", () => {
  assert.deepStrictEqual(parse("olmo3-think", "I need to think about this.</think>Here is my response.", { think: true }), msg("Here is my response.", "I need to think about this."));
  assert.deepStrictEqual(
    parse("olmo3-think", "Yes, that should work. Let me go with that response.\n\n</think>\n\nHi! I'm all set. 😊", { think: true }),
    msg("Hi! I'm all set. 😊", "Yes, that should work. Let me go with that response."),
  );
  assert.deepStrictEqual(parse("olmo3-think", "First thinking</think>Content</think>More content.", { think: true }), msg("Content</think>More content.", "First thinking"));
  assert.deepStrictEqual(parse("olmo3-think", "</think>Just content here.", { think: true }), msg("Just content here."));
});

test("cohere: thinking opened by the prompt, text between START_TEXT markers, actions as a JSON list", () => {
  const tools = [fn("get_weather", { city: "string" }), fn("get_time")];
  assert.deepStrictEqual(parse("cohere", "Let me think about this.<|END_THINKING|><|START_TEXT|>Hello world!<|END_TEXT|>"), msg("Hello world!", "Let me think about this."));
  assert.deepStrictEqual(
    parse("cohere", 'plan<|END_THINKING|><|START_ACTION|>[\n    {"tool_call_id": "0", "tool_name": "get_weather", "parameters": {"city": "Paris"}},    {"tool_call_id": "1", "tool_name": "get_time", "parameters": {}}\n]<|END_ACTION|>', { tools }),
    msg("", "plan", [{ name: "get_weather", arguments: { city: "Paris" } }, { name: "get_time", arguments: {} }]),
  );
  assert.deepStrictEqual(parse("cohere", "<|START_TEXT|>direct answer<|END_TEXT|>", { think: false }), msg("direct answer"));
  assert.deepStrictEqual(parse("cohere", "thought<|END_THINKING|>Just plain text output"), msg("Just plain text output", "thought"));
  assert.deepStrictEqual(parse("cohere", "t<|END_THINKING|><|START_TEXT|>answer<|END_OF_TURN_TOKEN|>"), msg("answer", "t"));
});

test("qwen3-thinking, deepseek3, cogito: thinking closed by </think>, then the answer", () => {
  assert.deepStrictEqual(parse("qwen3-thinking", "I think.</think>\n\nThe answer."), msg("The answer.", "I think."));
  assert.deepStrictEqual(parse("qwen3", "No thinking here.", { think: false }), msg("No thinking here."));
  assert.deepStrictEqual(
    parse("deepseek3", "<think>Check.</think>Done.", { think: true, tools: [fn("get_weather")] }),
    msg("Done.", "Check."),
  );
  // the deepseek3.1 renderer's prompt opens <think>: the reply starts inside it
  assert.deepStrictEqual(parse("deepseek3", "Check.</think>Done.", { think: true }), msg("Done.", "Check."));
  assert.deepStrictEqual(parse("deepseek3", "Done.", { think: false }), msg("Done."));
  assert.deepStrictEqual(
    parse("cogito", '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{"city": "Paris"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>', { tools: [fn("get_weather", { city: "string" })], think: false }),
    msg("", "", [{ name: "get_weather", arguments: { city: "Paris" } }]),
  );
});

test("laguna and poolside-v1: thinking only when asked, GLM-style calls", () => {
  const tools = [fn("get_weather", { location: "string" })];
  assert.deepStrictEqual(
    parse("laguna", "Need data.</think>\n<tool_call>get_weather\n<arg_key>location</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>", { tools, think: true }),
    msg("", "Need data.", [{ name: "get_weather", arguments: { location: "Paris" } }]),
  );
  assert.deepStrictEqual(parse("poolside-v1", "Hello there.", { think: false }), msg("Hello there."));
  const paris = [{ name: "get_weather", arguments: { location: "Paris", days: 3 } }];
  const typed = [fn("get_weather", { location: "string", days: "integer" })];
  assert.deepStrictEqual(
    parse("laguna", "<tool_call>get_weather\n<arg_key>location</arg_key>\n<arg_value>Paris</arg_value>\n<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n</tool_call>", { tools: typed }),
    msg("", "", paris),
  );
  assert.deepStrictEqual(parse("laguna", '<tool_call>\n{"name":"get_weather","arguments":{"location":"Paris","days":3}}\n</tool_call>', { tools: typed }), msg("", "", paris));
  assert.deepStrictEqual(parse("laguna", '{"name":"get_weather","arguments":{"location":"Paris","days":3}}', { tools: typed }), msg("", "", paris));
  assert.deepStrictEqual(
    parse("laguna", '<tool_call>get_weather\n{"location":"San Francisco"}</tool_call>', { tools: typed }),
    msg("", "", [{ name: "get_weather", arguments: { location: "San Francisco" } }]),
  );
  assert.deepStrictEqual(parse("laguna", "Plain {not a call} text.", { tools: typed }), msg("Plain {not a call} text."));
  assert.deepStrictEqual(
    parse("laguna", 'Let me call the weather tool.\n{"name":"get_weather","arguments":{"location":"Paris"}}', { tools: typed }),
    msg("Let me call the weather tool.", "", [{ name: "get_weather", arguments: { location: "Paris" } }]),
  );
});

test("gemma4, lfm2-thinking, glimmer, ministral: their own markers", () => {
  assert.deepStrictEqual(parse("gemma4", "<|channel>thought\nPlan.<channel|>Answer.", { think: true }), msg("Answer.", "Plan."));
  const paris = [{ name: "get_weather", arguments: { location: "Paris" } }];
  const weather = [fn("get_weather", { location: "string" })];
  const q = '<|"|>';
  for (const tail of ["<tool_call|>", "<tool_call|>Done.", "<|tool_response>", "<|tool_response>Done."]) {
    const got = parse("gemma4", `<|tool_call>call:get_weather{location:${q}Paris${q}}<tool_call|>${tail}`, { tools: weather });
    assert.deepStrictEqual(got, msg(tail.endsWith("Done.") ? "Done." : "", "", paris), tail);
  }
  assert.deepStrictEqual(parse("lfm2-thinking", "<think>Plan.</think>Answer.", { think: true }), msg("Answer.", "Plan."));
  assert.deepStrictEqual(
    parse("lfm2-thinking", "<think>Let me think:\n- Point 1\n- Point 2</think>\n\nHere's my answer.", { think: true }),
    msg("Here's my answer.", "Let me think:\n- Point 1\n- Point 2"),
  );
  assert.deepStrictEqual(
    parse("lfm2", "Processing data.<|tool_call_start|>[process_data(items=['item1','item2'], config={'enabled': True, 'threshold': 0.95})]<|tool_call_end|>", { tools: [fn("process_data")] }),
    msg("Processing data.", "", [{ name: "process_data", arguments: { items: ["item1", "item2"], config: { enabled: true, threshold: 0.95 } } }]),
  );
  assert.deepStrictEqual(
    parse("lfm2", "Pinging server.<|tool_call_start|>[ping()]<|tool_call_end|>", { tools: [fn("ping")] }),
    msg("Pinging server.", "", [{ name: "ping", arguments: {} }]),
  );
  assert.deepStrictEqual(
    parse("lfm2", '<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|>', { tools: [fn("get_weather", { city: "string" })] }),
    msg("", "", [{ name: "get_weather", arguments: { city: "Paris" } }]),
  );
  assert.deepStrictEqual(
    parse("ministral", '[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}', { tools: [fn("get_weather", { city: "string" })] }),
    msg("", "", [{ name: "get_weather", arguments: { city: "Paris" } }]),
  );
  assert.equal(parse("glimmer", " to=user<|message|>Hi there.").content, "Hi there.");
  // what the glimmer renderer writes for a call, read back; thinking is read but not shown when think is off
  const glimmerCall = ' to=self<|message|>Need data.<|eom|><|start|>assistant to=get_weather<|message|><atem:function_calls>\n<atem:invoke name="get_weather">\n' +
    '<atem:parameter name="city">SF</atem:parameter>\n</atem:invoke>\n</atem:function_calls>';
  const sf = [{ name: "get_weather", arguments: { city: "SF" } }];
  assert.deepStrictEqual(parse("glimmer", glimmerCall, { tools: [fn("get_weather", { city: "string" })] }), msg("", "Need data.", sf));
  assert.deepStrictEqual(parse("glimmer", glimmerCall, { tools: [fn("get_weather", { city: "string" })], think: false }), msg("", "", sf));
  assert.deepStrictEqual(parse("glimmer", " to=self<|message|>Hmm.<|eom|><|start|>assistant to=user<|message|>It is 65F."), msg("It is 65F.", "Hmm."));
});

test("isFormatName() accepts every renderer and parser name Ollama registers", async () => {
  const { isFormatName } = await import("./recognise.ts");
  const { RENDERERS } = await import("./renderers/mod.ts");
  for (const name of [...Object.keys(RENDERERS), ...Object.keys(NAMED_PARSERS)]) assert.ok(isFormatName(name), name);
  assert.equal(isFormatName("not-a-renderer"), false);
});

test("qwen3-coder: parameter values typed by the schema as Ollama's parser types them", () => {
  const values: [string, string, unknown][] = [
    ["string", "12345", "12345"],
    ["integer", "007", 7],
    ["integer", "-100", -100],
    ["number", "1.23e5", 123000],
    ["boolean", "True", true],
    ["array", "[1, 2]", [1, 2]],
    ["object", '{"a": 1}', { a: 1 }],
  ];
  for (const [type, raw, want] of values) {
    const got = parse("qwen3-coder", `<tool_call>\n<function=f>\n<parameter=x>\n${raw}\n</parameter>\n</function>\n</tool_call>`, { tools: [fn("f", { x: type })] });
    assert.deepStrictEqual(got.toolCalls, [{ name: "f", arguments: { x: want } }], `${type} ${raw}`);
  }
  const unpadded = parse("qwen3-coder", "<tool_call>\n<function=f>\n<parameter=x>\n\nsome-string\n\n</parameter>\n</function>\n</tool_call>", { tools: [fn("f")] });
  assert.deepStrictEqual(unpadded.toolCalls[0].arguments, { x: "\nsome-string\n" });
});

test("a named renderer's prompt decides: an assistant prefill continues as content, an opened block as thinking", () => {
  const fmt = chatFormat({ parser: "qwen3.5", renderer: "qwen3.5" });
  const prefill = "<|im_start|>user\nWrite two words.<|im_end|>\n<|im_start|>assistant\n<think>\nKeep it short.\n</think>\n\nHello";
  const p = fmt.parser({ think: true, prompt: prefill });
  const a = p.add(" world");
  const b = p.finish();
  assert.deepStrictEqual([a.content + b.content, a.thinking + b.thinking], [" world", ""]);
  const q = fmt.parser({ think: true, prompt: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n" });
  const c = q.add("Hmm.</think>Yes.");
  const d = q.finish();
  assert.deepStrictEqual([c.content + d.content, c.thinking + d.thinking], ["Yes.", "Hmm."]);
});

test("every named parser gives one message for every chunking of a reply with thinking and a call in its syntax", () => {
  const weather = [fn("get_weather", { location: "string" })];
  const hermesReply = '<think>Plan.</think>Sure.<tool_call>{"name": "get_weather", "arguments": {"location": "Paris"}}</tool_call>';
  const xmlReply = "Plan.</think>\n<tool_call>\n<function=get_weather>\n<parameter=location>\nParis\n</parameter>\n</function>\n</tool_call>";
  const deepseekReply = "<think>Check.</think>Done.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>" +
    '{"location": "Paris"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>';
  const glmReply = "plan</think>Answer<tool_call>get_weather<arg_key>location</arg_key><arg_value>Paris</arg_value></tool_call>";
  const gemmaReply = '<|channel>thought\nPlan.<channel|><|tool_call>call:get_weather{location:<|"|>Paris<|"|>}<tool_call|>';
  const lfmReply = '<think>Plan.</think><|tool_call_start|>[get_weather(location="Paris")]<|tool_call_end|>';
  const lagunaReply = "Need data.</think>\n<tool_call>get_weather\n<arg_key>location</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>";
  // each name: a reply and the calls it holds (a call in every syntax that writes calls)
  const samples: Record<string, [string, number]> = {
    "qwen3": [hermesReply, 1],
    "qwen3-thinking": [hermesReply, 1],
    "qwen3-vl-instruct": [hermesReply, 1],
    "qwen3-vl-thinking": [hermesReply, 1],
    "qwen3.5": [xmlReply, 1],
    "ornith": [xmlReply, 1],
    "qwen3-coder": [xmlReply, 1],
    "nemotron-3-nano": [xmlReply, 1],
    "nemotron-3.5-nano": [xmlReply, 1],
    "ministral": ['[THINK]Plan.[/THINK]Sure.[TOOL_CALLS]get_weather[ARGS]{"location": "Paris"}', 1],
    "passthrough": [hermesReply, 0],
    "harmony": [
      "<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>commentary " +
      'to=functions.get_weather <|constrain|>json<|message|>{"location":"Paris"}<|call|>',
      1,
    ],
    "cogito": [deepseekReply, 1],
    "deepseek3": [deepseekReply, 1],
    "olmo3": ['<function_calls>get_weather(location="Paris")\nget_weather(location="Rome")</function_calls>', 2],
    "olmo3-think": ["Plan.</think>Answer.", 0],
    "functiongemma": ["Let me check.<start_function_call>call:get_weather{location:<escape>Paris<escape>}<end_function_call>", 1],
    "glm-4.7": [glmReply, 1],
    "glm-ocr": [glmReply, 1],
    "gemma4": [gemmaReply, 1],
    "gemma4-no-thinking": [gemmaReply, 1],
    "lfm2": [lfmReply, 1],
    "lfm2-thinking": [lfmReply, 1],
    "laguna": [lagunaReply, 1],
    "poolside-v1": [lagunaReply, 1],
    "cohere": [
      'plan<|END_THINKING|><|START_ACTION|>[{"tool_call_id": "0", "tool_name": "get_weather", "parameters": {"location": "Paris"}}]<|END_ACTION|>',
      1,
    ],
    "glimmer": [
      ' to=self<|message|>Need data.<|eom|><|start|>assistant to=get_weather<|message|><atem:function_calls>\n<atem:invoke name="get_weather">\n' +
      '<atem:parameter name="location">Paris</atem:parameter>\n</atem:invoke>\n</atem:function_calls>',
      1,
    ],
  };
  assert.deepEqual(Object.keys(samples).sort(), Object.keys(NAMED_PARSERS).sort());
  for (const [name, [reply, calls]] of Object.entries(samples)) {
    for (const think of [true, false]) {
      const got = parse(name, reply, { tools: weather, think });
      assert.equal(got.toolCalls.length, calls, `${name} think ${think}: ${JSON.stringify(got)}`);
      for (const call of got.toolCalls) assert.equal(call.name, "get_weather", name);
    }
  }
});
