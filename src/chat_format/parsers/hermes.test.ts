import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { hermes } from "./hermes.ts";

const tools = [tool("get_weather", { location: "string" })];

test("hermes reads thinking and two JSON calls", () => {
  const out = '<think>Let me see.</think>\n<tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris"}}\n' +
    '</tool_call>\n<tool_call>{"name": "get_weather", "arguments": {"location": "東京"}}</tool_call>';
  const r = parseEverySplit(hermes, out, { tools });
  assert.equal(r.thinking, "Let me see.");
  assert.equal(r.content.trim(), "");
  assert.deepStrictEqual(r.toolCalls.map((c) => c.arguments.location), ["Paris", "東京"]);
});

test("hermes starts inside thinking when the prompt opened it", () => {
  const r = parseEverySplit(hermes, "Hmm.\n</think>\n\nAnswer.", { prompt: "<|im_start|>assistant\n<think>\n" });
  assert.deepStrictEqual(r, { content: "\n\nAnswer.", thinking: "Hmm.\n", toolCalls: [] });
});

test("hermes gives a malformed call back as content", () => {
  const out = "Sure <tool_call>{not json}</tool_call> done";
  assert.deepStrictEqual(parseEverySplit(hermes, out, { tools }), { content: out, thinking: "", toolCalls: [] });
});

test("hermes without tools leaves tool-call text as content", () => {
  const out = '<tool_call>{"name": "get_weather", "arguments": {}}</tool_call>';
  assert.equal(parseEverySplit(hermes, out).content, out);
});

test("hermes reads a call cut off by the stop before its closing tag", () => {
  const out = '<tool_call>{"name": "get_weather", "arguments": {"location": "Paris"}}';
  assert.deepStrictEqual(parseEverySplit(hermes, out, { tools }).toolCalls, [
    { name: "get_weather", arguments: { location: "Paris" } },
  ]);
});
