import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { harmony } from "./harmony.ts";

const tools = [tool("get_weather", { location: "string" })];

test("harmony splits analysis, final and a commentary call", () => {
  const out = "<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>commentary " +
    'to=functions.get_weather <|constrain|>json<|message|>{"location":"Paris"}<|call|>';
  assert.deepStrictEqual(parseEverySplit(harmony, out, { tools }), {
    content: "",
    thinking: "Need weather.",
    toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }],
  });
});

test("harmony reads the recipient written before the channel", () => {
  const out = '<|start|>assistant to=functions.get_weather<|channel|>commentary json<|message|>{"location":"Rome"}';
  assert.deepStrictEqual(parseEverySplit(harmony, out, { tools }).toolCalls, [
    { name: "get_weather", arguments: { location: "Rome" } },
  ]);
});

test("harmony gives the final channel as content", () => {
  const out = "<|channel|>analysis<|message|>Think.<|end|><|start|>assistant<|channel|>final<|message|>Hi there.<|return|>";
  assert.deepStrictEqual(parseEverySplit(harmony, out), { content: "Hi there.", thinking: "Think.", toolCalls: [] });
});

test("harmony gives a call that is not JSON back as content", () => {
  const out = "<|channel|>commentary to=functions.get_weather <|message|>not json";
  const r = parseEverySplit(harmony, out, { tools });
  assert.deepStrictEqual(r.toolCalls, []);
  assert.ok(r.content.includes("not json"));
});
