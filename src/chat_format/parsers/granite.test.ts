import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { granite } from "./granite.ts";

test("granite reads <|tool_call|>[…] and thinking with response tags", () => {
  const tools = [tool("get_weather")];
  const out = '<think>hm</think><response>Ok.</response><|tool_call|>[{"name": "get_weather", "arguments": {"location": "Paris"}}]';
  assert.deepStrictEqual(parseEverySplit(granite, out, { tools }), {
    content: "Ok.",
    thinking: "hm",
    toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }],
  });
});
