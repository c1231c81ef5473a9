import { test } from "node:test";
import assert from "node:assert/strict";
import { encodePng } from "./encode_png.ts";
import { readPng } from "../../tests/fixtures/webp_vectors.ts";

test("encodePng() writes RGB for opaque pixels and RGBA otherwise, with valid CRCs", () => {
  const rgba = new Uint8Array(3 * 2 * 4).map((_, i) => (i % 4 === 3 ? 255 : i * 9));
  const opaque = readPng(encodePng(3, 2, rgba));
  assert.equal(opaque.channels, 3);
  assert.deepEqual([...opaque.pixels], [...rgba].filter((_, i) => i % 4 !== 3));
  rgba[7] = 10;
  const translucent = readPng(encodePng(3, 2, rgba));
  assert.equal(translucent.channels, 4);
  assert.deepEqual(translucent.pixels, rgba);
  assert.throws(() => encodePng(3, 3, rgba), RangeError);
});
