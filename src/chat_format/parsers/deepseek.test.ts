import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { deepseek, deepseekDsml } from "./deepseek.ts";

const tools = [tool("get_weather", { location: "string" })];

test("deepseek reads R1 calls in a ```json fence after open thinking", () => {
  const out = "Think.\n</think>\n\n<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n" +
    '{"location": "Paris"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>';
  const r = parseEverySplit(deepseek, out, { tools, prompt: "<｜Assistant｜><think>\n" });
  assert.equal(r.thinking, "Think.\n");
  assert.deepStrictEqual(r.toolCalls, [{ name: "get_weather", arguments: { location: "Paris" } }]);
});

test("deepseek reads V3.1 calls", () => {
  const out = '</think><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location": "Paris"}' +
    '<｜tool▁call▁end｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location": "Rome"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>';
  const r = parseEverySplit(deepseek, out, { tools, prompt: "<｜Assistant｜><think>" });
  assert.deepStrictEqual(r.toolCalls.map((c) => c.arguments.location), ["Paris", "Rome"]);
  assert.equal(r.thinking, "");
});

test("deepseek V4 reads DSML invokes", () => {
  const out = '<｜DSML｜tool_calls>\n<｜DSML｜invoke name="get_weather">\n<｜DSML｜parameter name="location" string="true">' +
    'Paris</｜DSML｜parameter>\n<｜DSML｜parameter name="days" string="false">3</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜tool_calls>';
  assert.deepStrictEqual(parseEverySplit(deepseekDsml, out, { tools }).toolCalls, [
    { name: "get_weather", arguments: { location: "Paris", days: 3 } },
  ]);
});
