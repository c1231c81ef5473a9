import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { commandR, commandRPlus } from "./command_r.ts";

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

test("command-r-plus reads an Action: ```json list, every chunking alike; other text stays content", () => {
  const tools = [tool("get_weather")];
  const out = 'I will look it up.\nAction: ```json\n[\n  {"tool_name": "get_weather", "parameters": {"location": "Paris"}}\n]\n```';
  assert.deepStrictEqual(parseEverySplit(commandRPlus, out, { tools }), {
    content: "I will look it up.\n",
    thinking: "",
    toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }],
  });
  const text = "Action: none needed, the answer is 4.";
  assert.deepStrictEqual(parseEverySplit(commandRPlus, text, { tools }), { content: text, thinking: "", toolCalls: [] });
});
