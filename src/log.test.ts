import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, formatLogLine, goDuration, goQuote, humanBytes2 } from "./log.ts";

test("goDuration() prints milliseconds as Go's time.Duration does", () => {
  const cases: Array<[number, string]> = [
    [0, "0s"],
    [0.000_5, "500ns"],
    [0.532_1, "532.1µs"],
    [12.345_678, "12.345678ms"],
    [1500, "1.5s"],
    [123_250, "2m3.25s"],
    [3_600_000, "1h0m0s"],
    [-2, "-2ms"],
  ];
  for (const [ms, text] of cases) assert.equal(goDuration(ms), text, `${ms} ms`);
});

test("humanBytes2() prints sizes as Ollama's format.HumanBytes2 does", () => {
  assert.equal(humanBytes2(512), "512 B");
  assert.equal(humanBytes2(1536), "1.5 KiB");
  assert.equal(humanBytes2(17_438_464), "16.6 MiB");
  assert.equal(humanBytes2(1.5 * 2 ** 30), "1.5 GiB");
});

test("goQuote() escapes as strconv.Quote does", () => {
  assert.equal(goQuote(`a "b" \\ c`), `"a \\"b\\" \\\\ c"`);
  assert.equal(goQuote("x\ny\t\x01"), `"x\\ny\\t\\x01"`);
  assert.equal(goQuote("/api/chat"), `"/api/chat"`);
});

test("formatLogLine() writes slog's text form, quoting only what needs it", () => {
  const time = new Date(2026, 11, 5, 1, 2, 3, 456);
  const line = formatLogLine("INFO", "loading model", { model: "tiny:latest", num_ctx: 256, path: "", skip: undefined, error: new Error("a=b") }, {
    time,
    source: "scheduler.ts:12",
  });
  assert.match(line, /^time=2026-12-05T01:02:03\.456(Z|[+-]\d\d:\d\d) level=INFO source=scheduler\.ts:12 /);
  assert.ok(line.endsWith(` msg="loading model" model=tiny:latest num_ctx=256 path="" error="a=b"`), line);
});

test("createLogger() writes INFO and above with the caller's file and line; DEBUG needs OLLAMA_DEBUG", () => {
  const lines: string[] = [];
  const log = createLogger((line) => lines.push(line));
  log.info("hello", { n: 1 });
  log.debug("hidden");
  assert.equal(lines.length, 1);
  assert.match(lines[0], / level=INFO source=log\.test\.ts:\d+ msg=hello n=1$/);
});
