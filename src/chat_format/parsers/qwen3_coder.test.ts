import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { qwen3Coder } from "./qwen3_coder.ts";

test("qwen3-coder reads XML parameters typed by the schema", () => {
  const tools = [tool("f", { s: "string", n: "integer", o: "object" })];
  const out = "Calling.\n<tool_call>\n<function=f>\n<parameter=s>\n42\n</parameter>\n<parameter=n>\n7\n</parameter>\n" +
    '<parameter=o>\n{"a": [1, "x"]}\n</parameter>\n</function>\n</tool_call>';
  assert.deepStrictEqual(parseEverySplit(qwen3Coder, out, { tools }), {
    content: "Calling.\n",
    thinking: "",
    toolCalls: [{ name: "f", arguments: { s: "42", n: 7, o: { a: [1, "x"] } } }],
  });
});

test("qwen3-coder keeps a multi-line string value", () => {
  const tools = [tool("write", { text: "string" })];
  const out = "<tool_call>\n<function=write>\n<parameter=text>\nline1\nline2\n</parameter>\n</function>\n</tool_call>";
  assert.deepStrictEqual(parseEverySplit(qwen3Coder, out, { tools }).toolCalls[0].arguments, { text: "line1\nline2" });
});
