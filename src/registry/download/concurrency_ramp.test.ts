import { test } from "node:test";
import assert from "node:assert/strict";
import { ConcurrencyRamp, FAST_ENOUGH, MAX_CONCURRENCY } from "./concurrency_ramp.ts";

const MiB = 1 << 20;

/** Runs a ramp for `ticks` ticks against a link whose rate is `rateOf(connections, tick)`; returns connections after each tick. */
function simulate(rateOf: (connections: number, tick: number) => number, ticks = 12): number[] {
  const ramp = new ConcurrencyRamp();
  let connections = 1;
  const seen: number[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    connections += ramp.sample(rateOf(connections, tick), connections);
    seen.push(connections);
  }
  return seen;
}

test("connections double while each one is capped, up to the limit", () => {
  const seen = simulate((n) => n * 32 * MiB);
  assert.deepEqual(seen.slice(0, 4), [1, 2, 4, 8]);
  assert.equal(Math.max(...seen), MAX_CONCURRENCY);
});

test("a shared cap stops the ramp after one step that did not pay", () => {
  const seen = simulate(() => 50 * MiB);
  assert.equal(Math.max(...seen), 2);
});

test("a fast link keeps one connection", () => {
  assert.deepEqual(simulate(() => FAST_ENOUGH + 1), Array(12).fill(1));
});

test("a step whose connections are slow to start gets one more tick to pay", () => {
  // New connections take a tick to deliver (a TLS handshake on a far CDN): the rate follows the connections of the tick before.
  let previous = 1;
  const seen = simulate((n) => {
    const rate = previous * 20 * MiB;
    previous = n;
    return rate;
  });
  assert.ok(Math.max(...seen) >= 4, `stopped at ${Math.max(...seen)}`);
});

test("a fast enough rate stops the doubling where it is", () => {
  const seen = simulate((n) => n * 80 * MiB);
  assert.equal(Math.max(...seen), 4); // 4 × 80 MiB/s is past FAST_ENOUGH
});
