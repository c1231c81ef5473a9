import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { mistral } from "./mistral.ts";

const tools = [tool("get_weather"), tool("get_time")];

test("mistral reads [TOOL_CALLS]name[ARGS]{…} calls with thinking", () => {
  const out = '[THINK]Two calls.[/THINK][TOOL_CALLS]get_weather[ARGS]{"location": "Paris"}[TOOL_CALLS]get_time[ARGS]{}';
  assert.deepStrictEqual(parseEverySplit(mistral, out, { tools }), {
    content: "",
    thinking: "Two calls.",
    toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }, { name: "get_time", arguments: {} }],
  });
});

test("mistral reads a [CALL_ID]", () => {
  const out = '[TOOL_CALLS]get_weather[CALL_ID]abc123XYZ[ARGS]{"location": "Paris"}';
  assert.deepStrictEqual(parseEverySplit(mistral, out, { tools }).toolCalls, [
    { name: "get_weather", arguments: { location: "Paris" }, id: "abc123XYZ" },
  ]);
});

test("mistral reads the older [TOOL_CALLS][{…}] list", () => {
  const out = '[TOOL_CALLS][{"name": "get_weather", "arguments": {"location": "Paris"}, "id": "call00000"}]';
  assert.deepStrictEqual(parseEverySplit(mistral, out, { tools }).toolCalls, [
    { name: "get_weather", arguments: { location: "Paris" }, id: "call00000" },
  ]);
});

test("mistral gives an unfinished call back as content", () => {
  const out = "[TOOL_CALLS]get_weather[ARGS]{\"location\": ";
  assert.deepStrictEqual(parseEverySplit(mistral, out, { tools }), { content: out, thinking: "", toolCalls: [] });
});
