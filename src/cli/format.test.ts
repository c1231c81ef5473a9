import { test } from "node:test";
import assert from "node:assert/strict";
import { goDuration, humanBytes, humanTime, renderTable } from "./format.ts";

test("humanBytes() matches Ollama's format.HumanBytes", () => {
  assert.equal(humanBytes(0), "0 B");
  assert.equal(humanBytes(999), "999 B");
  assert.equal(humanBytes(1000), "1 KB");
  assert.equal(humanBytes(1500), "1.5 KB");
  assert.equal(humanBytes(4_700_000_000), "4.7 GB");
  assert.equal(humanBytes(17_300_000), "17 MB");
  assert.equal(humanBytes(2_000_000_000_000), "2 TB");
});

test("humanTime() speaks like Ollama's format.HumanTime", () => {
  const now = new Date("2026-01-15T12:00:00Z");
  const ago = (ms: number) => new Date(now.getTime() - ms);
  assert.equal(humanTime(undefined, "Never", now), "Never");
  assert.equal(humanTime(ago(500), "Never", now), "Less than a second ago");
  assert.equal(humanTime(ago(1000), "Never", now), "1 second ago");
  assert.equal(humanTime(ago(90_000), "Never", now), "About a minute ago");
  assert.equal(humanTime(ago(5 * 60_000), "Never", now), "5 minutes ago");
  assert.equal(humanTime(ago(3 * 3_600_000), "Never", now), "3 hours ago");
  assert.equal(humanTime(ago(3 * 86_400_000), "Never", now), "3 days ago");
  assert.equal(humanTime(ago(20 * 86_400_000), "Never", now), "2 weeks ago");
  assert.equal(humanTime(new Date(now.getTime() + 4 * 60_000 + 500), "Never", now), "4 minutes from now");
  assert.equal(humanTime(new Date("2318-01-01T00:00:00Z"), "Never", now), "Forever");
});

test("goDuration() prints like Go's time.Duration", () => {
  assert.equal(goDuration(0), "0s");
  assert.equal(goDuration(1_500_000_000), "1.5s");
  assert.equal(goDuration(250_500_000), "250.5ms");
  assert.equal(goDuration(123_004_000_000), "2m3.004s");
  assert.equal(goDuration(3_600_000_000_000), "1h0m0s");
  assert.equal(goDuration(1_234), "1.234µs");
  assert.equal(goDuration(12), "12ns");
});

test("renderTable() pads columns with four spaces between them", () => {
  assert.equal(
    renderTable(["NAME", "ID"], [["tiny:latest", "abc"], ["a", "0123456789ab"]]),
    "NAME           ID\ntiny:latest    abc\na              0123456789ab\n",
  );
});
