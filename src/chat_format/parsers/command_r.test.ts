import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { commandR } from "./command_r.ts";

test("command-r reads thinking, an action list and drops response markers", () => {
  const tools = [tool("get_weather")];
  const out = "<|START_THINKING|>plan<|END_THINKING|><|START_ACTION|>[\n" +
    '  {"tool_call_id": "0", "tool_name": "get_weather", "parameters": {"location": "Paris"}}\n]<|END_ACTION|>';
  assert.deepStrictEqual(parseEverySplit(commandR, out, { tools }), {
    content: "",
    thinking: "plan",
    toolCalls: [{ name: "get_weather", arguments: { location: "Paris" }, id: "0" }],
  });
  assert.equal(parseEverySplit(commandR, "<|START_RESPONSE|>Hi.<|END_RESPONSE|>", { tools }).content, "Hi.");
});
