import { test } from "node:test";
import assert from "node:assert/strict";
import { base64Error } from "./base64.ts";

test("base64Error() accepts padded standard base64, empty text and CR/LF", () => {
  for (const ok of ["", "aGVsbG8gd29ybGQ=", "aGk=", "YQ==", "YWJj", "aGVs\r\nbG8=", "+/+/"]) {
    assert.equal(base64Error(ok), undefined, ok);
  }
});

test("base64Error() gives Go's CorruptInputError offsets", () => {
  // Offsets as Go's encoding/base64 StdEncoding reports them.
  assert.equal(base64Error("!!!!"), "illegal base64 data at input byte 0");
  assert.equal(base64Error("abc"), "illegal base64 data at input byte 0");
  assert.equal(base64Error("a==="), "illegal base64 data at input byte 1");
  assert.equal(base64Error(" "), "illegal base64 data at input byte 0");
  assert.equal(base64Error("YQ="), "illegal base64 data at input byte 3");
  assert.equal(base64Error("YQ=a"), "illegal base64 data at input byte 2");
  assert.equal(base64Error("YQ==YQ=="), "illegal base64 data at input byte 4");
  assert.equal(base64Error("data:image/png;base64,AAAA"), "illegal base64 data at input byte 4");
  assert.equal(base64Error("aGVsbG8-"), "illegal base64 data at input byte 7");
});
