import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { functionaryV31, functionaryV32 } from "./functionary.ts";

const tools = [tool("get_weather")];

test("functionary v3.1 reads <function=name>{…}</function>", () => {
  const out = 'Sure.<function=get_weather>{"location": "Paris"}</function>';
  assert.deepStrictEqual(parseEverySplit(functionaryV31, out, { tools }), {
    content: "Sure.",
    thinking: "",
    toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }],
  });
});

test("functionary v3.2 reads >>>name blocks and >>>all content", () => {
  const out = '>>>all\nLet me check.>>>get_weather\n{"location": "Paris"}';
  assert.deepStrictEqual(parseEverySplit(functionaryV32, out, { tools }), {
    content: "Let me check.",
    thinking: "",
    toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }],
  });
});
