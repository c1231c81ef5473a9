// Cases from Ollama's model/renderers/*_test.go (qwen35, qwen38, qwen3vl, cogito, deepseek3, olmo3, olmo3_think,
// glm47, glmocr, lfm2): the documented inputs and the prompts Ollama expects for them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { namedRenderer, RENDERERS } from "./mod.ts";
import type { Message, RenderInput, Tool } from "./types.ts";
import type { ToolProperty } from "../../prompt/mod.ts";

const render = (name: string, input: RenderInput) => namedRenderer(name)!(input);
const DS_BOS = "<｜begin▁of▁sentence｜>";
const COGITO = "You are Cogito, an AI assistant created by Deep Cogito, which is an AI research lab based in San Francisco.";
const fn = (name: string, properties: Record<string, ToolProperty>, extra: Partial<Tool["function"]> = {}): Tool => ({
  type: "function",
  function: { name, ...extra, parameters: { type: "object", ...(extra.parameters ?? {}), properties } },
});

test("RENDERERS maps every renderer name Ollama registers", () => {
  const names = [
    "qwen3-coder", "qwen3-vl-instruct", "qwen3-vl-thinking", "qwen3.5", "qwen3.8", "ornith", "cogito", "deepseek3.1",
    "olmo3", "olmo3.1", "olmo3-think", "olmo3-32b-think", "nemotron-3-nano", "nemotron-3.5-nano", "glm-4.7", "glm-ocr", "lfm2",
    "lfm2-thinking", "functiongemma", "cohere", "laguna", "poolside-v1",
    "gemma4", "gemma4-small", "gemma4-large", "glimmer",
  ];
  const missing = names.filter((n) => !(n in RENDERERS));
  assert.deepEqual(missing, []);
  assert.deepEqual(Object.keys(RENDERERS).sort(), [...new Set(names)].sort());
  assert.equal(namedRenderer("not-a-renderer"), undefined);
});

test("qwen3.5: tools as spaced JSON then the system prompt, XML calls, grouped tool results, <think> opened", () => {
  const got = render("qwen3.5", {
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: "Run add and multiply." },
      {
        role: "assistant",
        content: "I'll run both now.",
        thinking: "Need to call add and multiply.",
        tool_calls: [{ function: { name: "add", arguments: { a: 2, b: 3 } } }, { function: { name: "multiply", arguments: { x: 4, y: 5 } } }],
      },
      { role: "tool", content: "5" },
      { role: "tool", content: "20" },
      { role: "user", content: "Summarize the results." },
    ],
    tools: [fn("add", { a: { type: "number" } }, { parameters: { required: ["a"] } })],
  });
  assert.ok(!got.includes("Need to call add and multiply."));
  assert.ok(got.startsWith(
    '<|im_start|>system\n# Tools\n\nYou have access to the following functions:\n\n<tools>\n{"type": "function", "function": {"name": "add", ' +
      '"parameters": {"type": "object", "required": ["a"], "properties": {"a": {"type": "number"}}}}}\n</tools>\n\nIf you choose',
  ));
  assert.ok(got.includes("</IMPORTANT>\n\nYou are a helpful assistant.<|im_end|>\n"));
  assert.ok(got.includes(
    "<|im_start|>assistant\nI'll run both now.\n\n<tool_call>\n<function=add>\n<parameter=a>\n2\n</parameter>\n<parameter=b>\n3\n</parameter>\n" +
      "</function>\n</tool_call>\n<tool_call>\n<function=multiply>\n<parameter=x>\n4\n</parameter>\n<parameter=y>\n5\n</parameter>\n</function>\n</tool_call><|im_end|>\n",
  ));
  assert.ok(got.includes("<|im_start|>user\n<tool_response>\n5\n</tool_response>\n<tool_response>\n20\n</tool_response><|im_end|>"));
  assert.ok(got.endsWith("<|im_start|>assistant\n<think>\n"));
});

test("qwen3.5: thinking after the last query is kept, think:false writes an empty block, a prefill stays open", () => {
  const msgs: Message[] = [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "Plan a picnic in Paris." },
    { role: "assistant", content: "Checking weather first.", thinking: "Need weather before giving advice.", tool_calls: [{ function: { name: "get_weather", arguments: { location: "Paris" } } }] },
    { role: "tool", content: "22C" },
  ];
  assert.ok(render("qwen3.5", { messages: msgs }).includes(
    "<|im_start|>assistant\n<think>\nNeed weather before giving advice.\n</think>\n\nChecking weather first.\n\n<tool_call>\n<function=get_weather>\n" +
      "<parameter=location>\nParis\n</parameter>\n</function>\n</tool_call><|im_end|>",
  ));
  assert.ok(render("qwen3.5", { messages: [{ role: "user", content: "hello" }], think: false }).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
  assert.equal(
    render("qwen3.5", { messages: [{ role: "user", content: "Write two words." }, { role: "assistant", thinking: "Keep it short.", content: "Hello world" }] }),
    "<|im_start|>user\nWrite two words.<|im_end|>\n<|im_start|>assistant\n<think>\nKeep it short.\n</think>\n\nHello world",
  );
});

test("qwen3.8: reasoning effort instructions, one leading system turn, invalid transcripts refused", () => {
  const XHIGH = "Reasoning effort is set to xhigh. Please think carefully through the task, validate key assumptions, consider plausible alternatives, and prioritize correctness, consistency, and clarity in the final answer.";
  const LOW = "Reasoning effort is set to low. Keep your thinking brief and focused, moving directly to the conclusion without unnecessary elaboration.";
  const user = [{ role: "user", content: "Hi" }];
  const head = (think?: RenderInput["think"]) => render("qwen3.8", { messages: user, think }).split("<|im_start|>user")[0];
  assert.equal(head(), `<|im_start|>system\n${XHIGH}<|im_end|>\n`);
  assert.equal(head(true), "");
  assert.equal(head(false), "");
  assert.equal(head("low"), `<|im_start|>system\n${LOW}<|im_end|>\n`);
  assert.equal(head("medium"), "");
  assert.equal(head("high"), `<|im_start|>system\n${XHIGH}<|im_end|>\n`);
  assert.equal(head("max"), `<|im_start|>system\n${XHIGH}<|im_end|>\n`);
  assert.equal(
    render("qwen3.8", { messages: [{ role: "user", content: "Complete this" }, { role: "assistant", thinking: "Draft", content: "Partial" }] }),
    `<|im_start|>system\n${XHIGH}<|im_end|>\n<|im_start|>user\nComplete this<|im_end|>\n<|im_start|>assistant\n<think>\nDraft\n</think>\n\nPartial`,
  );
  assert.throws(() => render("qwen3.8", { messages: [] }), { message: "no messages provided" });
  assert.throws(() => render("qwen3.8", { messages: [{ role: "system", content: "Hello" }] }), { message: "no user query found in messages" });
  assert.throws(
    () => render("qwen3.8", { messages: [{ role: "system", content: "", images: ["AQ=="] }, { role: "user", content: "Hello" }] }),
    { message: "system message cannot contain images" },
  );
  const folded = render("qwen3.8", {
    messages: [{ role: "system", content: "A" }, { role: "user", content: "Hi" }, { role: "developer", content: "B" }],
    think: "medium",
  });
  assert.ok(folded.startsWith("<|im_start|>system\nA\n\nB<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"));
});

test("qwen3-vl: JSON tool calls, thinking only in the current turn, <think> opened for the thinking variant", () => {
  const msgs: Message[] = [
    { role: "user", content: "Weather?" },
    { role: "assistant", content: "", thinking: "check", tool_calls: [{ function: { name: "get_weather", arguments: { location: "Paris", days: 2 } } }] },
    { role: "tool", content: "22C" },
  ];
  assert.equal(
    render("qwen3-vl-instruct", { messages: msgs }),
    "<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n" +
      '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris", "days": 2}}\n</tool_call><|im_end|>\n' +
      "<|im_start|>user\n<tool_response>\n22C\n</tool_response><|im_end|>\n<|im_start|>assistant\n",
  );
  assert.equal(
    render("qwen3-vl-thinking", { messages: msgs }),
    "<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n<think>\ncheck" +
      '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris", "days": 2}}\n</tool_call><|im_end|>\n' +
      "<|im_start|>user\n<tool_response>\n22C\n</tool_response><|im_end|>\n<|im_start|>assistant\n<think>\n",
  );
  assert.ok(render("qwen3-vl-thinking", { messages: [{ role: "user", content: "hi" }], think: false }).endsWith("<|im_start|>assistant\n"));
  assert.equal(
    render("qwen3-vl-instruct", { messages: [{ role: "user", content: "What is this?", images: ["AA=="] }] }),
    "<|im_start|>user\n[img-0] What is this?<|im_end|>\n<|im_start|>assistant\n",
  );
});

test("cogito: default system prompt, deep thinking, tools as indented JSON, calls and outputs", () => {
  const hello = [{ role: "user", content: "Hello, how are you?" }];
  assert.equal(render("cogito", { messages: hello, think: false }), `${DS_BOS}${COGITO}<｜User｜>Hello, how are you?<｜Assistant｜>`);
  assert.equal(
    render("cogito", { messages: [{ role: "system", content: "You are a helpful assistant." }, ...hello], think: true }),
    `${DS_BOS}Enable deep thinking subroutine.\n\n${COGITO}\n\nYou are a helpful assistant.\n\n<｜User｜>Hello, how are you?<｜Assistant｜><think>\n`,
  );
  assert.equal(
    render("cogito", {
      messages: [{ role: "user", content: "What's the weather like?" }],
      think: false,
      tools: [fn("get_weather", { location: { type: "string", description: "City name" } }, { description: "Get current weather", parameters: { required: ["location"] } })],
    }),
    `${DS_BOS}${COGITO}\nYou have the following functions available:\n` + "```json\n" +
      '{\n    "type": "function",\n    "function": {\n        "name": "get_weather",\n        "description": "Get current weather",\n' +
      '        "parameters": {\n            "type": "object",\n            "required": [\n                "location"\n            ],\n' +
      '            "properties": {\n                "location": {\n                    "type": "string",\n                    "description": "City name"\n' +
      "                }\n            }\n        }\n    }\n}\n```\n<｜User｜>What's the weather like?<｜Assistant｜>",
  );
  assert.equal(
    render("cogito", {
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: "I'll check.", tool_calls: [{ function: { name: "get_weather", arguments: { location: "Paris" } } }] },
        { role: "tool", content: "22C" },
        { role: "tool", content: "Sunny" },
      ],
      think: false,
    }),
    `${DS_BOS}${COGITO}<｜User｜>Weather in Paris?<｜Assistant｜>I'll check.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n` +
      '```json\n{"location":"Paris"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜><｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>22C<｜tool▁output▁end｜>\n' +
      "<｜tool▁output▁begin｜>Sunny<｜tool▁output▁end｜><｜tool▁outputs▁end｜><｜Assistant｜>",
  );
});

test("deepseek3.1: joined system messages, </think> or <think> per turn, calls and tool outputs", () => {
  assert.equal(
    render("deepseek3.1", { messages: [{ role: "system", content: "First instruction" }, { role: "system", content: "Second instruction" }, { role: "user", content: "Hello" }], think: false }),
    `${DS_BOS}First instruction\n\nSecond instruction<｜User｜>Hello<｜Assistant｜></think>`,
  );
  assert.equal(render("deepseek3.1", { messages: [{ role: "user", content: "Hello, how are you?" }], think: true }), `${DS_BOS}<｜User｜>Hello, how are you?<｜Assistant｜><think>`);
  assert.equal(
    render("deepseek3.1", {
      messages: [
        { role: "user", content: "What is the capital of France?" },
        { role: "assistant", content: "The capital of France is Paris." },
        { role: "user", content: "Fantastic!" },
      ],
      think: false,
    }),
    `${DS_BOS}<｜User｜>What is the capital of France?<｜Assistant｜></think>The capital of France is Paris.<｜end▁of▁sentence｜><｜User｜>Fantastic!<｜Assistant｜></think>`,
  );
  assert.equal(
    render("deepseek3.1", {
      messages: [
        { role: "user", content: "What's the weather?" },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { location: "Paris" } } }] },
        { role: "tool", content: "Temperature: 22°C, Sunny" },
      ],
      think: false,
    }),
    `${DS_BOS}<｜User｜>What's the weather?<｜Assistant｜></think><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location":"Paris"}` +
      "<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜><｜tool▁output▁begin｜>Temperature: 22°C, Sunny<｜tool▁output▁end｜>",
  );
});

test("olmo3: default and custom system messages with functions, pythonic calls, environment results", () => {
  assert.equal(
    render("olmo3", { messages: [{ role: "user", content: "Hello!" }] }),
    "<|im_start|>system\nYou are a helpful function-calling AI assistant. You do not currently have access to any functions. <functions></functions><|im_end|>\n" +
      "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n",
  );
  assert.equal(
    render("olmo3", {
      messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "What is the weather?" }],
      tools: [fn("get_weather", { location: { type: "string", description: "The city" } }, { description: "Get the current weather", parameters: { required: ["location"] } })],
    }),
    '<|im_start|>system\nYou are a helpful assistant.<functions>[{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather", ' +
      '"parameters": {"type": "object", "required": ["location"], "properties": {"location": {"type": "string", "description": "The city"}}}}}]</functions><|im_end|>\n' +
      "<|im_start|>user\nWhat is the weather?<|im_end|>\n<|im_start|>assistant\n",
  );
  assert.equal(
    render("olmo3.1", {
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { unit: "c", location: "Paris" } } }] },
        { role: "tool", content: "22C" },
      ],
    }),
    "<|im_start|>system\nYou are Olmo, a helpful AI assistant built by Ai2. Your date cutoff is December 2024, and your model weights are available at " +
      "https://huggingface.co/allenai. You do not currently have access to any functions. <functions></functions><|im_end|>\n<|im_start|>user\nWeather?<|im_end|>\n" +
      '<|im_start|>assistant\n<function_calls>get_weather(location="Paris", unit="c")</function_calls><|im_end|>\n<|im_start|>environment\n22C<|im_end|>\n<|im_start|>assistant\n',
  );
});

test("olmo3-think: the variant's default system, tools and tool results dropped, <think> opened", () => {
  assert.equal(
    render("olmo3-think", { messages: [{ role: "user", content: "Hello!" }] }),
    "<|im_start|>system\nYou are Olmo, a helpful AI assistant built by Ai2. Your date cutoff is December 2024, and your model weights are available at " +
      "https://huggingface.co/allenai.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n<think>",
  );
  assert.equal(
    render("olmo3-32b-think", { messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Hello!" }, { role: "tool", content: "x" }] }),
    "<|im_start|>system\nYou are a helpful assistant. You do not currently have access to any functions. <functions></functions><|im_end|>\n" +
      "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n<think>",
  );
  assert.ok(render("olmo3-32b-think", { messages: [{ role: "user", content: "Hi" }] }).startsWith("<|im_start|>system\nYou are a helpful AI assistant.<|im_end|>"));
});

test("glm-4.7: thinking on by default, preserved reasoning, arg_key/arg_value calls, observations", () => {
  assert.equal(render("glm-4.7", { messages: [{ role: "user", content: "Hello" }] }), "[gMASK]<sop><|user|>Hello<|assistant|><think>");
  assert.equal(render("glm-4.7", { messages: [{ role: "user", content: "Hello" }], think: false }), "[gMASK]<sop><|user|>Hello<|assistant|></think>");
  assert.equal(
    render("glm-4.7", { messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello there" }, { role: "user", content: "How are you?" }] }),
    "[gMASK]<sop><|user|>Hi<|assistant|></think>Hello there<|user|>How are you?<|assistant|><think>",
  );
  assert.equal(
    render("glm-4.7", { messages: [{ role: "user", content: "Answer with reasoning." }, { role: "assistant", thinking: "Plan.", content: "Done." }] }),
    "[gMASK]<sop><|user|>Answer with reasoning.<|assistant|><think>Plan.</think>Done.<|assistant|><think>",
  );
  assert.equal(
    render("glm-4.7", {
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { location: "Tokyo", days: 3 } } }] },
        { role: "tool", content: "sunny" },
      ],
    }),
    "[gMASK]<sop><|user|>Weather?<|assistant|></think><tool_call>get_weather<arg_key>location</arg_key><arg_value>Tokyo</arg_value>" +
      "<arg_key>days</arg_key><arg_value>3</arg_value></tool_call><|observation|><tool_response>sunny</tool_response><|assistant|><think>",
  );
});

test("glm-ocr: image placeholders numbered across turns, empty think blocks, /nothink when thinking is off", () => {
  assert.equal(
    render("glm-ocr", { messages: [{ role: "user", content: "Describe these images.", images: ["AA==", "AQ=="] }] }),
    "[gMASK]<sop><|user|>\n[img-0][img-1] Describe these images.<|assistant|>\n",
  );
  assert.equal(
    render("glm-ocr", {
      messages: [
        { role: "user", content: "First image", images: ["AA=="] },
        { role: "assistant", content: "Processed." },
        { role: "user", content: "Second image", images: ["AQ=="] },
      ],
    }),
    "[gMASK]<sop><|user|>\n[img-0] First image<|assistant|>\n<think></think>\nProcessed.\n<|user|>\n[img-1] Second image<|assistant|>\n",
  );
  assert.equal(render("glm-ocr", { messages: [{ role: "user", content: "Hi" }], think: false }), "[gMASK]<sop><|user|>\nHi/nothink<|assistant|>\n<think></think>\n");
});

test("lfm2: tool list in the system turn, pythonic calls, tool responses wrapped, past thinking dropped", () => {
  assert.equal(render("lfm2", { messages: [{ role: "user", content: "Hello" }], think: false }), "<|startoftext|><|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
  const bare = (name: string): Tool => ({ type: "function", function: { name, parameters: { type: "object" } } });
  assert.equal(
    render("lfm2", { messages: [{ role: "system", content: "Follow instructions." }, { role: "user", content: "Do work" }], tools: [bare("tool_a"), bare("tool_b")], think: false }),
    '<|startoftext|><|im_start|>system\nFollow instructions.\nList of tools: <|tool_list_start|>[{"name": "tool_a", "parameters": {"type": "object", "properties": null}}, ' +
      '{"name": "tool_b", "parameters": {"type": "object", "properties": null}}]<|tool_list_end|><|im_end|>\n<|im_start|>user\nDo work<|im_end|>\n<|im_start|>assistant\n',
  );
  assert.equal(
    render("lfm2", {
      messages: [
        { role: "user", content: "Call a tool" },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { location: "Paris" } } }] },
        { role: "tool", content: "22C" },
      ],
      think: false,
    }),
    '<|startoftext|><|im_start|>user\nCall a tool<|im_end|>\n<|im_start|>assistant\n<|tool_call_start|>[get_weather(location="Paris")]<|tool_call_end|><|im_end|>\n' +
      "<|im_start|>tool\n<|tool_response_start|>22C<|tool_response_end|><|im_end|>\n<|im_start|>assistant\n",
  );
  const turns: Message[] = [
    { role: "user", content: "a" },
    { role: "assistant", content: "one", thinking: "t1" },
    { role: "user", content: "b" },
    { role: "assistant", content: "two", thinking: "t2" },
    { role: "user", content: "c" },
  ];
  const dropped = render("lfm2-thinking", { messages: turns, think: false });
  // only the last assistant turn keeps its reasoning
  assert.ok(!dropped.includes("t1") && dropped.includes("<think>t2</think>two"), dropped);
  const kept = render("lfm2-thinking", { messages: turns, think: true });
  assert.ok(kept.includes("<|im_start|>assistant\n<think>t1</think>one<|im_end|>"));
});

test("chatFormat({ renderer }).render() uses the named renderer over a {{ .Prompt }} template", async () => {
  const { chatFormat } = await import("../mod.ts");
  const fmt = chatFormat({ renderer: "glm-4.7", parser: "glm-4.7", template: "{{ .Prompt }}" });
  assert.equal(fmt.render({ messages: [{ role: "user", content: "Hello" }] }), "[gMASK]<sop><|user|>Hello<|assistant|><think>");
  // a name that is no renderer keeps the template
  assert.equal(chatFormat({ renderer: "harmony", template: "{{ .Prompt }}" }).render({ messages: [{ role: "user", content: "Hi" }] }), "Hi");
});

test("qwen3-vl-thinking: cases of Ollama's qwen3vl_thinking_test.go", () => {
  const r = (messages: Message[]) => render("qwen3-vl-thinking", { messages });
  const story = { role: "user", content: "Tell me a story in two sentences." };
  const poetry = "To make this story interesting, I will speak in poetry.";
  assert.equal(
    r([{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Hello, how are you?" }]),
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello, how are you?<|im_end|>\n<|im_start|>assistant\n<think>\n",
  );
  assert.equal(r([story, { role: "assistant", content: "abc", thinking: poetry }]), `<|im_start|>user\n${story.content}<|im_end|>\n<|im_start|>assistant\n<think>\n${poetry}\n</think>\n\nabc`);
  assert.equal(r([story, { role: "assistant", content: "", thinking: poetry }]), `<|im_start|>user\n${story.content}<|im_end|>\n<|im_start|>assistant\n<think>\n${poetry}`);
  assert.equal(
    r([
      story,
      { role: "assistant", thinking: poetry, content: "abc" },
      { role: "user", content: "What is the weather like in San Francisco?" },
      { role: "assistant", content: "", thinking: "Speak poetry after the first sentence.</think><think>Speak poetry after the second sentence." },
    ]),
    `<|im_start|>user\n${story.content}<|im_end|>\n<|im_start|>assistant\nabc<|im_end|>\n<|im_start|>user\nWhat is the weather like in San Francisco?<|im_end|>\n` +
      "<|im_start|>assistant\n<think>\nSpeak poetry after the first sentence.</think><think>Speak poetry after the second sentence.",
  );
});

test("rendererLeadingBos() names the BOS text each renderer's prompt starts with", async () => {
  const { rendererLeadingBos } = await import("./mod.ts");
  for (const name of Object.keys(RENDERERS)) {
    const bos = rendererLeadingBos(name);
    const prompt = namedRenderer(name)!({ messages: [{ role: "user", content: "Hi" }] });
    // cohere's prompt leaves BOS to the tokenizer (its template's bos_token is dropped), as Ollama's does
    assert.ok(prompt.startsWith(bos) || name === "cohere", `${name}: ${JSON.stringify(prompt.slice(0, 30))}`);
  }
  assert.equal(rendererLeadingBos("qwen3.5"), "");
  assert.equal(rendererLeadingBos("gemma4-large"), "<bos>");
});
