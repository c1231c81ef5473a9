import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { generic, nemotronV2 } from "./generic.ts";

const tools = [tool("get_weather")];

test("generic reads {\"tool_calls\": […]} and bare call objects", () => {
  const out = '{"tool_calls": [{"name": "get_weather", "arguments": {"location": "Paris"}}]}';
  assert.equal(parseEverySplit(generic, out, { tools }).toolCalls.length, 1);
  const bare = '{"name": "get_weather", "arguments": {"location": "Paris"}}';
  assert.equal(parseEverySplit(generic, bare, { tools }).toolCalls.length, 1);
});

test("generic keeps other JSON as content", () => {
  const out = '{"note": "x"}\nJust data.';
  assert.deepStrictEqual(parseEverySplit(generic, out, { tools }), { content: out, thinking: "", toolCalls: [] });
});

test("nemotron v2 reads a <TOOLCALL> list", () => {
  const out = '<TOOLCALL>[{"name": "get_weather", "arguments": {"location": "Paris"}}]</TOOLCALL>';
  assert.deepStrictEqual(parseEverySplit(nemotronV2, out, { tools }).toolCalls, [
    { name: "get_weather", arguments: { location: "Paris" } },
  ]);
});
