import { test } from "node:test";
import assert from "node:assert/strict";
import { ConcurrencyRamp, FAST_ENOUGH, MAX_CONCURRENCY } from "./concurrency_ramp.ts";

const MiB = 1 << 20;

/** Runs a ramp for `ticks` ticks against a link whose rate is `rateOf(connections, tick)`; returns connections after each tick. */
function simulate(rateOf: (connections: number, tick: number) => number, ticks = 16): number[] {
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
  assert.deepEqual([...new Set(seen)], [1, 2, 4, 8]);
  assert.ok(seen.indexOf(MAX_CONCURRENCY) <= 7, `reached ${MAX_CONCURRENCY} at tick ${seen.indexOf(MAX_CONCURRENCY)}`);
});

test("a shared cap stops the ramp after one step that did not pay", () => {
  assert.equal(Math.max(...simulate(() => 50 * MiB)), 2);
});

test("a shared cap that delivers in bursts does not look like a step that paid", () => {
  // The same mean rate, landing as alternately small and large ticks (whole buffers, whole parts).
  assert.equal(Math.max(...simulate((_n, tick) => (tick % 2 ? 1.6 : 0.4) * MiB)), 2);
  assert.equal(Math.max(...simulate((_n, tick) => (tick % 2 ? 0.4 : 1.6) * MiB)), 2);
});

test("a fast link keeps one connection", () => {
  assert.deepEqual(simulate(() => FAST_ENOUGH + 1), Array(16).fill(1));
});

test("a step whose connections are slow to start gets time to pay", () => {
  // New connections take two ticks to deliver (a TLS handshake on a far CDN): the rate follows older connection counts.
  const history = [1, 1];
  const seen = simulate((n) => {
    history.push(n);
    return history[history.length - 3] * 20 * MiB;
  });
  assert.ok(Math.max(...seen) >= 4, `stopped at ${Math.max(...seen)}`);
});

test("a fast enough rate stops the doubling where it is", () => {
  assert.equal(Math.max(...simulate((n) => n * 80 * MiB)), 4); // 4 × 80 MiB/s is past FAST_ENOUGH
});
