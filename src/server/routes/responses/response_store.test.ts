import { test } from "node:test";
import assert from "node:assert/strict";
import { ResponseStore } from "./response_store.ts";

const entry = (id: string, text = "x") => ({ response: { id, object: "response" }, messages: [{ role: "user", content: text }] });
const size = (id: string, text = "x") => new TextEncoder().encode(JSON.stringify(entry(id, text))).length;

test("ResponseStore keeps, answers and forgets responses", () => {
  const store = new ResponseStore({ maxCount: () => 10, maxBytes: () => 1 << 20, ttlMs: () => 60_000 });
  assert.equal(store.put(entry("resp_a")), true);
  assert.deepEqual(store.get("resp_a"), entry("resp_a"));
  assert.equal(store.get("resp_b"), undefined);
  assert.equal(store.bytes, size("resp_a"));
  assert.equal(store.delete("resp_a"), true);
  assert.equal(store.delete("resp_a"), false);
  assert.equal(store.get("resp_a"), undefined);
  assert.equal(store.bytes, 0);
});

test("ResponseStore drops the oldest past its count or its bytes, and refuses one larger than the budget", () => {
  const byCount = new ResponseStore({ maxCount: () => 2, maxBytes: () => 1 << 20, ttlMs: () => 60_000 });
  for (const id of ["resp_1", "resp_2", "resp_3"]) byCount.put(entry(id));
  assert.equal(byCount.size, 2);
  assert.equal(byCount.get("resp_1"), undefined);
  assert.ok(byCount.get("resp_2") && byCount.get("resp_3"));

  const bySize = new ResponseStore({ maxCount: () => 100, maxBytes: () => size("resp_1") * 2 + 5, ttlMs: () => 60_000 });
  for (const id of ["resp_1", "resp_2", "resp_3"]) bySize.put(entry(id));
  assert.deepEqual([bySize.get("resp_1"), !!bySize.get("resp_2"), !!bySize.get("resp_3")], [undefined, true, true]);
  assert.ok(bySize.bytes <= size("resp_1") * 2 + 5);
  assert.equal(bySize.put(entry("resp_big", "y".repeat(1000))), false);
  assert.equal(bySize.get("resp_big"), undefined);
  // a refused one leaves the others where they were
  assert.equal(bySize.size, 2);
});

test("ResponseStore forgets a response once it expires", () => {
  let now = 1_000;
  const store = new ResponseStore({ maxCount: () => 10, maxBytes: () => 1 << 20, ttlMs: () => 500, now: () => now });
  store.put(entry("resp_old"));
  now += 300;
  store.put(entry("resp_new"));
  assert.ok(store.get("resp_old"));
  now += 250;
  assert.equal(store.get("resp_old"), undefined);
  assert.equal(store.size, 1);
  now += 300;
  assert.equal(store.size, 0);
  assert.equal(store.bytes, 0);
});
