import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { glm } from "./glm.ts";

test("glm reads <arg_key>/<arg_value> pairs typed by the schema", () => {
  const tools = [tool("f", { city: "string", days: "integer" })];
  const out = "<think>x</think>\n<tool_call>f\n<arg_key>city</arg_key>\n<arg_value>42</arg_value>\n" +
    "<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n</tool_call>";
  assert.deepStrictEqual(parseEverySplit(glm, out, { tools }), {
    content: "\n",
    thinking: "x",
    toolCalls: [{ name: "f", arguments: { city: "42", days: 3 } }],
  });
});
