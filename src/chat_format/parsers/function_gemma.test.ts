// Cases from Ollama's model/parsers/functiongemma_test.go, each parsed at every split point.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEverySplit, tool } from "../_check.ts";
import { functionGemma, functionGemmaParse } from "./function_gemma.ts";

const tools = [tool("get_weather"), tool("process"), tool("update"), tool("test"), tool("greet"), tool("add")];
const call = (name: string, args: string) => `<start_function_call>call:${name}{${args}}<end_function_call>`;

test("functionGemma reads calls with escaped strings, numbers, booleans, lists and maps", () => {
  assert.deepStrictEqual(parseEverySplit(functionGemma, "Hello, world!", { tools }), { content: "Hello, world!", thinking: "", toolCalls: [] });
  assert.deepStrictEqual(parseEverySplit(functionGemma, call("get_weather", "city:<escape>Paris<escape>"), { tools }).toolCalls, [
    { name: "get_weather", arguments: { city: "Paris" } },
  ]);
  const before = parseEverySplit(functionGemma, "Let me check." + call("get_weather", "city:<escape>Paris<escape>"), { tools });
  assert.equal(before.content, "Let me check.");
  assert.deepStrictEqual(parseEverySplit(functionGemma, call("add", "a:1,b:2.5,flag:true"), { tools }).toolCalls[0].arguments, { a: 1, b: 2.5, flag: true });
  assert.deepStrictEqual(
    parseEverySplit(functionGemma, call("process", "items:[<escape>a<escape>,<escape>b, c<escape>]"), { tools }).toolCalls[0].arguments,
    { items: ["a", "b, c"] },
  );
  assert.deepStrictEqual(
    parseEverySplit(functionGemma, call("update", "data:{name:<escape>test<escape>,value:42}"), { tools }).toolCalls[0].arguments,
    { data: { name: "test", value: 42 } },
  );
  const after = parseEverySplit(functionGemma, call("test", "") + "Done!", { tools });
  assert.deepStrictEqual(after, { content: "Done!", thinking: "", toolCalls: [{ name: "test", arguments: {} }] });
  const unicode = parseEverySplit(functionGemma, "こんにちは " + call("greet", "name:<escape>日本語<escape>"), { tools });
  assert.deepStrictEqual(unicode, { content: "こんにちは ", thinking: "", toolCalls: [{ name: "greet", arguments: { name: "日本語" } }] });
  const two = parseEverySplit(functionGemma, call("get_weather", "city:<escape>Paris<escape>") + call("get_weather", "city:<escape>London<escape>"), { tools });
  assert.equal(two.toolCalls.length, 2);
  assert.equal(parseEverySplit(functionGemma, "The result is a <value> tag", { tools }).content, "The result is a <value> tag");
});

test("functionGemmaParse() keeps bare text as a string", () => {
  assert.equal(functionGemmaParse("fast"), "fast");
  assert.equal(functionGemmaParse("-3"), -3);
});
