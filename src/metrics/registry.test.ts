import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMetrics } from "../../tests/helpers/prometheus.ts";
import { Registry } from "./mod.ts";

test("Registry.render() writes counters, gauges and histograms a Prometheus text parser reads back", () => {
  const registry = new Registry();
  const requests = registry.counter({ name: "x_requests_total", help: "Requests.\nSecond line \\", labelNames: ["route"] });
  registry.counter({ name: "x_idle_total", help: "Never incremented." });
  const depth = registry.gauge({ name: "x_depth", help: "Depth.", collect: () => [{ value: 3 }] });
  const duration = registry.histogram({ name: "x_seconds", help: "Durations.", labelNames: ["route"], buckets: [0.1, 1] });
  requests.inc({ route: '/a"b\\c\nd' });
  requests.inc({ route: '/a"b\\c\nd' }, 2);
  requests.inc({ route: "/e" });
  duration.observe({ route: "/e" }, 0.05);
  duration.observe({ route: "/e" }, 0.5);
  duration.observe({ route: "/e" }, 5);
  const parsed = parseMetrics(registry.render());
  assert.equal(parsed.families.get("x_requests_total")?.type, "COUNTER");
  assert.equal(parsed.families.get("x_requests_total")?.help, "Requests.\nSecond line \\");
  assert.deepEqual(parsed.find("x_requests_total"), [
    { name: "x_requests_total", labels: { route: '/a"b\\c\nd' }, value: 3 },
    { name: "x_requests_total", labels: { route: "/e" }, value: 1 },
  ]);
  assert.equal(parsed.value("x_idle_total"), 0);
  assert.equal(parsed.families.get("x_depth")?.type, "GAUGE");
  assert.equal(parsed.value("x_depth"), 3);
  assert.equal(depth.get(), 3);
  assert.equal(parsed.families.get("x_seconds")?.type, "HISTOGRAM");
  assert.deepEqual(
    parsed.find("x_seconds_bucket", { route: "/e" }).map((s) => [s.labels.le, s.value]),
    [["0.1", 1], ["1", 2], ["+Inf", 3]],
  );
  assert.equal(parsed.value("x_seconds_sum", { route: "/e" }), 5.55);
  assert.equal(parsed.value("x_seconds_count", { route: "/e" }), 3);
});

test("Registry rejects a name twice, bad names, decreasing counters and unordered buckets", () => {
  const registry = new Registry();
  registry.counter({ name: "a_total", help: "a" });
  assert.throws(() => registry.gauge({ name: "a_total", help: "b" }), TypeError);
  assert.throws(() => registry.counter({ name: "1bad", help: "b" }), TypeError);
  assert.throws(() => registry.counter({ name: "ok_total", help: "b", labelNames: ["__x"] }), TypeError);
  assert.throws(() => registry.counter({ name: "c_total", help: "c" }).inc({}, -1), RangeError);
  assert.throws(() => registry.histogram({ name: "h", help: "h", buckets: [2, 1] }), RangeError);
  assert.throws(() => registry.histogram({ name: "h2", help: "h", buckets: [1], labelNames: ["le"] }), TypeError);
});

test("Gauge with collect shows only what collect returns at each render", () => {
  const registry = new Registry();
  let models = [{ labels: { model: "a" }, value: 1 }, { labels: { model: "b" }, value: 2 }];
  registry.gauge({ name: "g_bytes", help: "g", labelNames: ["model"], collect: () => models });
  assert.match(registry.render(), /g_bytes\{model="b"\} 2/);
  models = [{ labels: { model: "a" }, value: 1 }];
  assert.doesNotMatch(registry.render(), /model="b"/);
});
