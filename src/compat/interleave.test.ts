import { test } from "node:test";
import assert from "node:assert/strict";
import { interleaveExperts } from "./interleave.ts";

test("interleaveExperts alternates the two ranges slice by slice, reading one slice at a time", () => {
  const file = Uint8Array.from({ length: 32 }, (_, i) => i);
  const reads: Array<[number, number]> = [];
  const read = (offset: number, size: number) => {
    reads.push([offset, size]);
    return file.subarray(offset, offset + size);
  };
  const out = interleaveExperts(read, { offset: 0, size: 6 }, { offset: 10, size: 6 }, 3);
  assert.deepEqual([...out], [0, 1, 10, 11, 2, 3, 12, 13, 4, 5, 14, 15]);
  assert.ok(reads.every(([, size]) => size === 2));
});

test("interleaveExperts refuses ranges that differ or do not split into the experts", () => {
  const read = (_: number, size: number) => new Uint8Array(size);
  assert.throws(() => interleaveExperts(read, { offset: 0, size: 6 }, { offset: 6, size: 4 }, 2), /differ in size/);
  assert.throws(() => interleaveExperts(read, { offset: 0, size: 6 }, { offset: 6, size: 6 }, 4), /do not split into 4 experts/);
});
