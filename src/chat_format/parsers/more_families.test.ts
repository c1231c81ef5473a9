import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { gemma4 } from "./gemma4.ts";
import { lfm2, olmo3 } from "./pythonic.ts";
import { minimaxM2 } from "./invoke_xml.ts";
import { minimaxM3 } from "./minimax_m3.ts";
import { kimiK3 } from "./kimi_k3.ts";
import { hunyuan } from "./hunyuan.ts";

const tools = [tool("f", { s: "string", n: "integer" })];

test("gemma4 reads call:name{…} with <|\"|> strings", () => {
  const out = '<|channel>thought\nhm<channel|><|tool_call>call:f{n:3,s:<|"|>a, "b"<|"|>,o:{k:[1,<|"|>x<|"|>]}}<tool_call|>';
  const r = parseEverySplit(gemma4, out, { tools });
  assert.equal(r.thinking, "\nhm");
  assert.deepStrictEqual(r.toolCalls, [{ name: "f", arguments: { n: 3, s: 'a, "b"', o: { k: [1, "x"] } } }]);
});

test("lfm2 reads pythonic calls", () => {
  const out = "<|tool_call_start|>[f(s='it\\'s', n=2), f(s=\"x\", n=None)]<|tool_call_end|>";
  assert.deepStrictEqual(parseEverySplit(lfm2, out, { tools }).toolCalls, [
    { name: "f", arguments: { s: "it's", n: 2 } },
    { name: "f", arguments: { s: "x", n: null } },
  ]);
});

test("minimax m2 reads invoke XML", () => {
  const out = '<minimax:tool_call>\n<invoke name="f">\n<parameter name="s">7</parameter>\n<parameter name="n">7</parameter>\n' +
    "</invoke>\n</minimax:tool_call>";
  assert.deepStrictEqual(parseEverySplit(minimaxM2, out, { tools }).toolCalls, [{ name: "f", arguments: { s: "7", n: 7 } }]);
});

test("minimax m3 reads nested elements", () => {
  const m = "]<]minimax[>[";
  const out = `<mm:think>t</mm:think>${m}<tool_call>\n${m}<invoke name="f">${m}<s>x${m}</s>${m}<o>${m}<item>1${m}</item>` +
    `${m}<item>2${m}</item>${m}</o>${m}</invoke>\n${m}</tool_call>`;
  const r = parseEverySplit(minimaxM3, out, { tools });
  assert.equal(r.thinking, "t");
  assert.deepStrictEqual(r.toolCalls, [{ name: "f", arguments: { s: "x", o: [1, 2] } }]);
});

test("kimi k3 reads typed arguments", () => {
  const out = '<|open|>tools<|sep|><|open|>call tool="f" index="1"<|sep|><|open|>argument key="s" type="string"<|sep|>5' +
    '<|close|>argument<|sep|><|open|>argument key="n" type="integer"<|sep|>5<|close|>argument<|sep|><|close|>call<|sep|>' +
    "<|close|>tools<|sep|>";
  assert.deepStrictEqual(parseEverySplit(kimiK3, out, { tools }).toolCalls, [{ name: "f", arguments: { s: "5", n: 5 } }]);
});

test("hunyuan reads :opensource pairs", () => {
  const o = ":opensource";
  const out = `<tool_calls${o}>\n<tool_call${o}>f<tool_sep${o}>\n<arg_key${o}>n</arg_key${o}>\n<arg_value${o}>4</arg_value${o}>\n` +
    `</tool_call${o}>\n</tool_calls${o}>`;
  assert.deepStrictEqual(parseEverySplit(hunyuan, out, { tools }).toolCalls, [{ name: "f", arguments: { n: 4 } }]);
});

test("minimax m1 reads one JSON call per line; apriel a list after its reasoning", async () => {
  const { apriel, minimaxM1, seedOss } = await import("./json_lines.ts");
  const lines = '<think>t</think>\n<tool_calls>\n{"name": "f", "arguments": {"n": 1}}\n{"name": "f", "arguments": {"n": 2}}\n</tool_calls>';
  assert.deepStrictEqual(parseEverySplit(minimaxM1, lines, { tools }).toolCalls.map((c) => c.arguments.n), [1, 2]);
  const ap = 'Plan it.\n[BEGIN FINAL RESPONSE]Done.<tool_calls>[{"name": "f", "arguments": {"n": 3}}]</tool_calls>[END FINAL RESPONSE]';
  const r = parseEverySplit(apriel, ap, { tools, prompt: "<|begin_assistant|>\nHere are my reasoning steps:\n" });
  assert.deepStrictEqual([r.thinking, r.content, r.toolCalls.length], ["Plan it.\n", "Done.", 1]);
  const seed = "<seed:think>x</seed:think><seed:tool_call>\n<function=f>\n<parameter=n>5</parameter>\n</function>\n</seed:tool_call>";
  assert.deepStrictEqual(parseEverySplit(seedOss, seed, { tools }).toolCalls, [{ name: "f", arguments: { n: 5 } }]);
});

test("olmo3 reads pythonic calls one per line", () => {
  const out = '<function_calls>f(s="a", n=1)\nf(s="b", n=2)</function_calls>';
  assert.deepStrictEqual(parseEverySplit(olmo3, out, { tools }).toolCalls.map((c) => c.arguments.s), ["a", "b"]);
});

test("solar reads <|tool_call:begin|> calls and drops <|content|>", async () => {
  const { solar } = await import("./solar.ts");
  const out = '<|tool_calls|><|tool_call:begin|>call00000<|tool_call:name|>f<|tool_call:args|>{"n": 1}<|tool_call:end|>' +
    '<|tool_call:begin|>call00001<|tool_call:name|>f<|tool_call:args|>{"n": 2}<|tool_call:end|>';
  assert.deepStrictEqual(parseEverySplit(solar, out, { tools }).toolCalls, [
    { name: "f", arguments: { n: 1 }, id: "call00000" },
    { name: "f", arguments: { n: 2 }, id: "call00001" },
  ]);
  assert.equal(parseEverySplit(solar, "<|content|>Hi.", { tools }).content, "Hi.");
});
