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
