import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { kimi } from "./kimi.ts";

test("kimi reads a section of calls with their ids", () => {
  const out = "<think>t</think><|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0" +
    '<|tool_call_argument_begin|>{"location": "Paris"}<|tool_call_end|><|tool_calls_section_end|>';
  assert.deepStrictEqual(parseEverySplit(kimi, out, { tools: [tool("get_weather")] }), {
    content: "",
    thinking: "t",
    toolCalls: [{ name: "get_weather", arguments: { location: "Paris" }, id: "functions.get_weather:0" }],
  });
});
