import { test } from "node:test";
import assert from "node:assert/strict";
import { scanJsonValue } from "./json_scan.ts";

test("scanJsonValue() finds the end of the first value, ignoring what follows (Go's Decoder)", () => {
  assert.deepEqual(scanJsonValue('{"a":[1,2.5e3,"x\\u00e9"]} trailing'), { end: 25 });
  assert.deepEqual(scanJsonValue("  true"), { end: 6 });
});

test("scanJsonValue() reports Go's syntax messages", () => {
  assert.deepEqual(scanJsonValue("{bad"), { error: "invalid character 'b' looking for beginning of object key string" });
  assert.deepEqual(scanJsonValue('{"a" 1}'), { error: "invalid character '1' after object key" });
  assert.deepEqual(scanJsonValue('{"a":1 "b"}'), { error: "invalid character '\"' after object key:value pair" });
  assert.deepEqual(scanJsonValue("[1 2]"), { error: "invalid character '2' after array element" });
  assert.deepEqual(scanJsonValue("nul"), { error: "unexpected EOF" });
  assert.deepEqual(scanJsonValue("tru!"), { error: "invalid character '!' in literal true (expecting 'e')" });
  assert.deepEqual(scanJsonValue('{"a":'), { error: "unexpected EOF" });
  assert.deepEqual(scanJsonValue("x"), { error: "invalid character 'x' looking for beginning of value" });
});

test("scanJsonValue() accepts 10,000 nested containers and refuses the 10,001st with Go's message", () => {
  const nested = (n: number, open = "[", close = "]") => open.repeat(n) + close.repeat(n);
  assert.deepEqual(scanJsonValue(nested(10_000)), { end: 20_000 });
  assert.deepEqual(scanJsonValue(nested(10_001)), { error: "invalid character '[' exceeded max depth" });
  const objects = '{"a":'.repeat(10_001) + "1" + "}".repeat(10_001);
  assert.deepEqual(scanJsonValue(objects), { error: "invalid character '{' exceeded max depth" });
});

test("scanJsonValue() scans 100,000 levels without recursion", () => {
  assert.deepEqual(scanJsonValue("[".repeat(100_000)), { error: "invalid character '[' exceeded max depth" });
  const deepInside = `{"model":"x","extra":${"[{\"k\":".repeat(50_000)}`;
  assert.deepEqual(scanJsonValue(deepInside), { error: "invalid character '{' exceeded max depth" });
  assert.deepEqual(scanJsonValue(`[${"[".repeat(5_000)}`), { error: "unexpected EOF" });
});

test("scanJsonValue() keeps Go's messages inside nested containers", () => {
  assert.deepEqual(scanJsonValue('[{"a":[1,{"b":2}]}] x'), { end: 19 });
  assert.deepEqual(scanJsonValue('[{"a":1,}]'), { error: "invalid character '}' looking for beginning of object key string" });
  assert.deepEqual(scanJsonValue("[[1],]"), { error: "invalid character ']' looking for beginning of value" });
  assert.deepEqual(scanJsonValue('{"a":[1}'), { error: "invalid character '}' after array element" });
  assert.deepEqual(scanJsonValue("[ ]"), { end: 3 });
  assert.deepEqual(scanJsonValue('{ "a" : { } , "b" : [ ] }'), { end: 25 });
});
