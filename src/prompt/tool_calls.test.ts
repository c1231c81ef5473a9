import { test } from "node:test";
import assert from "node:assert/strict";
import { makeToolCallId, ToolCallParser, type ToolCallParserOptions } from "./tool_calls.ts";

type Result = { content: string; calls: { name: string; arguments: unknown; index: number; id: string }[] };

function counterIds(): () => string {
  let n = 0;
  return () => `call_${String(n++).padStart(8, "0")}`;
}

function run(options: ToolCallParserOptions, chunks: string[]): Result {
  const parser = new ToolCallParser({ makeId: counterIds(), ...options });
  const result: Result = { content: "", calls: [] };
  const take = (r: ReturnType<ToolCallParser["add"]>) => {
    result.content += r.content;
    for (const c of r.toolCalls) result.calls.push({ id: c.id, ...c.function });
  };
  for (const chunk of chunks) take(parser.add(chunk));
  take(parser.finish());
  return result;
}

/** Parses `text` whole, split at every index, and one character at a time; all must agree. */
function parseEverySplit(options: ToolCallParserOptions, text: string): Result {
  const whole = run(options, [text]);
  for (let i = 0; i <= text.length; i++) {
    assert.deepEqual(run(options, [text.slice(0, i), text.slice(i)]), whole, `split at ${i}`);
  }
  assert.deepEqual(run(options, [...text]), whole, "one character at a time");
  return whole;
}

const qwen = { tag: "<tool_call>", closeTag: "</tool_call>", toolNames: ["get_weather", "get", "search"] };
const json = { tag: "{", toolNames: ["get_weather", "search"] };

test("ToolCallParser parses tagged calls with text before them", () => {
  const r = parseEverySplit(
    qwen,
    'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris \\"}\\" x"}}\n</tool_call>\n' +
      '<tool_call>\n{"name": "search", "arguments": "{\\"q\\": \\"umbrella\\"}"}\n</tool_call>',
  );
  assert.equal(r.content, "Let me check.\n");
  assert.deepEqual(r.calls.map((c) => [c.index, c.name, c.arguments]), [
    [0, "get_weather", { city: 'Paris "}" x' }],
    [1, "search", { q: "umbrella" }],
  ]);
});

test("ToolCallParser matches the longest tool name, not a prefix of it", () => {
  const r = parseEverySplit(qwen, "<tool_call>get_weather\n{\"city\": \"Oslo\"}</tool_call>");
  assert.deepEqual(r.calls.map((c) => [c.name, c.arguments]), [["get_weather", { city: "Oslo" }]]);
  assert.equal(r.content, "");
});

test("ToolCallParser keeps text that is not a valid call as content", () => {
  const unknown = '<tool_call>{"name": "delete_everything", "arguments": {}}</tool_call> done';
  const r1 = parseEverySplit(qwen, unknown);
  assert.equal(r1.content, unknown);
  assert.equal(r1.calls.length, 0);

  const broken = 'x <tool_call>{"name": "search", "arguments": {"q": 1}';
  const r2 = parseEverySplit(qwen, broken);
  assert.equal(r2.content, broken);

  const prose = "I would use <tool_call> here, but no.";
  assert.equal(parseEverySplit(qwen, prose).content, prose);

  const badArgs = '<tool_call>{"name": "search", "arguments": "not json"}</tool_call>';
  assert.equal(parseEverySplit(qwen, badArgs).content, badArgs);
});

test("ToolCallParser with a bare JSON tag parses objects, arrays and fences", () => {
  const one = parseEverySplit(json, '  {"name": "get_weather", "parameters": {"city": "Rome"}}\n');
  assert.deepEqual(one, { content: "", calls: [{ id: "call_00000000", index: 0, name: "get_weather", arguments: { city: "Rome" } }] });

  const arr = parseEverySplit(json, '[{"name": "search", "arguments": {"q": "a"}}, {"name": "search", "arguments": {"q": "b"}}]');
  assert.deepEqual(arr.calls.map((c) => [c.index, c.arguments]), [[0, { q: "a" }], [1, { q: "b" }]]);
  assert.equal(arr.content, "");

  const fenced = parseEverySplit(json, '```json\n{"name": "search", "arguments": {"q": "c"}}\n```');
  assert.deepEqual(fenced.calls.map((c) => c.arguments), [{ q: "c" }]);
  assert.equal(fenced.content, "");

  const nested = parseEverySplit(json, '{"type": "function", "function": {"name": "search", "arguments": {"q": "d"}}}');
  assert.deepEqual(nested.calls.map((c) => c.arguments), [{ q: "d" }]);

  const byKey = parseEverySplit(json, '{"get_weather": {"city": "Lima"}}');
  assert.deepEqual(byKey.calls.map((c) => [c.name, c.arguments]), [["get_weather", { city: "Lima" }]]);
});

test("ToolCallParser with a bare JSON tag leaves prose and plain JSON alone", () => {
  const prose = 'Sure! {"name": "search", "arguments": {}}';
  assert.deepEqual(parseEverySplit(json, prose), { content: prose, calls: [] });
  const data = '{"answer": 42, "items": [1, 2]}';
  assert.deepEqual(parseEverySplit(json, data), { content: data, calls: [] });
  const list = "[1, 2, 3]";
  assert.deepEqual(parseEverySplit(json, list), { content: list, calls: [] });
  assert.deepEqual(parseEverySplit(json, "   "), { content: "   ", calls: [] });
  const after = parseEverySplit(json, '{"name": "search", "arguments": {"q": "x"}}\nThat is all.');
  assert.equal(after.content, "That is all.");
  assert.equal(after.calls.length, 1);
});

test("ToolCallParser handles a Mistral-style prefix and Command-R actions", () => {
  const mistral = { tag: "[TOOL_CALLS]", toolNames: ["get_weather"] };
  const a = parseEverySplit(mistral, '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Bern"}}]');
  assert.deepEqual(a.calls.map((c) => c.arguments), [{ city: "Bern" }]);
  assert.equal(a.content, "");
  const b = parseEverySplit(mistral, '[TOOL_CALLS]get_weather[ARGS]{"city": "Graz"}');
  assert.deepEqual(b.calls.map((c) => [c.name, c.arguments]), [["get_weather", { city: "Graz" }]]);

  const commandR = { tag: "Action: ```json", toolNames: ["web_search"] };
  const c = parseEverySplit(
    commandR,
    'Action: ```json\n[\n    {\n        "tool_name": "web_search",\n        "parameters": {"query": "tea"}\n    }\n]```',
  );
  assert.deepEqual(c.calls.map((x) => [x.name, x.arguments]), [["web_search", { query: "tea" }]]);
  assert.equal(c.content, "");
});

test("ToolCallParser accepts any name when no tools are listed", () => {
  const r = parseEverySplit({ tag: "<tool_call>" }, '<tool_call>{"name": "anything", "arguments": {"a": [1, {"b": "}"}]}}');
  assert.deepEqual(r.calls.map((c) => [c.name, c.arguments]), [["anything", { a: [1, { b: "}" }] }]]);
});

test("makeToolCallId() makes Ollama-shaped ids", () => {
  assert.match(makeToolCallId(), /^call_[a-z0-9]{8}$/);
});

test("ToolCallParser streams long arguments without rescanning them", () => {
  const code = "x = 1\\n".repeat(20000);
  const text = `<tool_call>{"name": "search", "arguments": {"q": "${code}"}}</tool_call>`;
  const parser = new ToolCallParser({ ...qwen, makeId: counterIds() });
  const started = performance.now();
  const calls = [];
  for (let i = 0; i < text.length; i += 3) calls.push(...parser.add(text.slice(i, i + 3)).toolCalls);
  calls.push(...parser.finish().toolCalls);
  assert.equal(calls.length, 1);
  assert.equal((calls[0].function.arguments.q as string).length, 6 * 20000);
  assert.ok(performance.now() - started < 2000, "linear in the output length");
});

test("ToolCallParser is chunk-independent on non-ASCII text too", () => {
  const r = parseEverySplit(qwen, 'Wetter für Köln 🌦️…<tool_call>{"name": "get_weather", "arguments": {"city": "Köln 🏙️"}}</tool_call>');
  assert.equal(r.content, "Wetter für Köln 🌦️…");
  assert.deepEqual(r.calls.map((c) => c.arguments), [{ city: "Köln 🏙️" }]);
});
