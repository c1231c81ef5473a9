import { test } from "node:test";
import assert from "node:assert/strict";
import { goFloat, goJson, goQuote, goSharpValue, goValue } from "./_go_format.ts";

test("goFloat() prints float64 as Go's %v does", () => {
  const cases: Array<[number, string]> = [
    [0, "0"], [1, "1"], [0.7, "0.7"], [4096, "4096"], [123456, "123456"], [1000000, "1e+06"], [1048576, "1.048576e+06"],
    [0.0001, "0.0001"], [0.00001, "1e-05"], [-2.5, "-2.5"], [1e21, "1e+21"], [1.5e-300, "1.5e-300"], [-0, "-0"],
    [Infinity, "+Inf"], [NaN, "NaN"],
  ];
  for (const [value, text] of cases) assert.equal(goFloat(value), text, String(value));
});

test("goQuote() escapes as strconv.Quote", () => {
  assert.equal(goQuote("<|im_end|>"), '"<|im_end|>"');
  assert.equal(goQuote('say "hi"\\'), '"say \\"hi\\"\\\\"');
  assert.equal(goQuote("a\nb\tc\r\u0007\u0000\u007f"), '"a\\nb\\tc\\r\\a\\x00\\x7f"');
  assert.equal(goQuote("é你好👋"), '"é你好👋"');
  assert.equal(goQuote("\u00a0\u200b\u{e0001}"), '"\\u00a0\\u200b\\U000e0001"');
});

test("goValue() and goSharpValue() print JSON values as %v and %#v", () => {
  assert.equal(goValue("x"), "x");
  assert.equal(goValue(true), "true");
  assert.equal(goValue(null), "<nil>");
  assert.equal(goValue(["a", 1]), "[a 1]");
  assert.equal(goSharpValue("x"), '"x"');
  assert.equal(goSharpValue(40), "40");
  assert.equal(goSharpValue(false), "false");
  assert.equal(goSharpValue(["a"]), '[]interface {}{"a"}');
});

test("goJson() writes encoding/json's bytes", () => {
  assert.equal(goJson({ stop: ["<|im_end|>"], a: "&" }, { sortKeys: true }), '{"a":"\\u0026","stop":["\\u003c|im_end|\\u003e"]}\n');
  assert.equal(goJson({ b: 1, a: 2 }), '{"b":1,"a":2}\n');
  assert.equal(goJson("\u2028"), '"\\u2028"\n');
  assert.equal(goJson({ x: 1e-7, y: 1e21, z: 0.5 }), '{"x":1e-7,"y":1e+21,"z":0.5}\n');
});
