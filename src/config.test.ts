import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDebugLevel, parseGoDuration, parseHost, parseKeepAlive } from "./config.ts";

test("parseHost() follows Ollama's OLLAMA_HOST forms", () => {
  assert.equal(parseHost("").url, "http://127.0.0.1:11434");
  assert.equal(parseHost("0.0.0.0").url, "http://0.0.0.0:11434");
  assert.equal(parseHost("1.2.3.4:5678").url, "http://1.2.3.4:5678");
  assert.equal(parseHost("http://example.com").url, "http://example.com:80");
  assert.equal(parseHost("https://example.com").url, "https://example.com:443");
  assert.equal(parseHost("http://example.com:1234/path/").url, "http://example.com:1234/path");
  assert.equal(parseHost("[::1]:9000").url, "http://[::1]:9000");
  assert.equal(parseHost("ollama.com").url, "https://ollama.com:443");
});

test("parseKeepAlive() takes durations and seconds; negative is forever", () => {
  assert.equal(parseKeepAlive("5m"), 300_000);
  assert.equal(parseKeepAlive("1h30m"), 5_400_000);
  assert.equal(parseKeepAlive(10), 10_000);
  assert.equal(parseKeepAlive("10"), 10_000);
  assert.equal(parseKeepAlive(0), 0);
  assert.equal(parseKeepAlive("0"), 0);
  assert.equal(parseKeepAlive(-1), Infinity);
  assert.equal(parseKeepAlive("-1m"), Infinity);
  assert.equal(parseKeepAlive("soon"), undefined);
  assert.equal(parseGoDuration("1.5s"), 1500);
});

test("parseDebugLevel() reads OLLAMA_DEBUG as Ollama does", () => {
  const cases: Array<[string, number]> = [["", 0], ["0", 0], ["false", 0], ["yes", 0], ["-1", 0], ["1", 1], ["true", 1], ["T", 1], ["2", 2]];
  for (const [value, level] of cases) assert.equal(parseDebugLevel(value), level, JSON.stringify(value));
});
