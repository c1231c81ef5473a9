import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { llama3 } from "./llama3.ts";

const tools = [tool("get_weather")];

test("llama3 reads a bare JSON call", () => {
  const out = '{"name": "get_weather", "parameters": {"location": "Paris"}}';
  assert.deepStrictEqual(parseEverySplit(llama3, out, { tools }), {
    content: "",
    thinking: "",
    toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }],
  });
});

test("llama3 reads a call after <|python_tag|>", () => {
  const out = '<|python_tag|>{"name": "get_weather", "parameters": {"location": "Paris"}}';
  assert.equal(parseEverySplit(llama3, out, { tools }).toolCalls.length, 1);
});

test("llama3 keeps JSON that is no call, or mid-sentence, as content", () => {
  for (const out of ['{"note": "data"}\nmore', 'See {"name": "get_weather", "parameters": {}} here', '{"name": "other", "parameters": {}}']) {
    assert.deepStrictEqual(parseEverySplit(llama3, out, { tools }), { content: out, thinking: "", toolCalls: [] });
  }
});
