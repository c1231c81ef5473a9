import { test } from "node:test";
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { readFileSync } from "node:fs";
import { defaultThreadCount, maxThreadCount, threadCount } from "./threads.ts";

test("defaultThreadCount() is the physical cores, capped by the CPUs this process may use", () => {
  const n = defaultThreadCount();
  assert.ok(n >= 1 && n <= availableParallelism());
  let cpuinfo = "";
  try {
    cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  } catch { /* not Linux */ }
  const ids = new Set([...cpuinfo.matchAll(/^core id\s*:\s*(\d+)/gm)].map((m) => m[1]));
  if (ids.size > 0 && new Set([...cpuinfo.matchAll(/^physical id\s*:\s*(\d+)/gm)].map((m) => m[1])).size === 1) {
    assert.equal(n, Math.min(ids.size, availableParallelism()));
  }
  // never libllama's built-in default of 4 on a smaller machine
  if (availableParallelism() < 4) assert.notEqual(n, 4);
});

test("threadCount() makes a requested count usable: default below 1, capped at the CPUs (maxThreadCount)", () => {
  assert.equal(maxThreadCount(), Math.max(1, availableParallelism()));
  for (const requested of [undefined, 0, -5, NaN, 0.5]) assert.equal(threadCount(requested), defaultThreadCount());
  assert.equal(threadCount(1), 1);
  assert.equal(threadCount(1.9), 1);
  for (const requested of [1000, 2 ** 31, 1e300, Infinity]) assert.equal(threadCount(requested), maxThreadCount());
});
