import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, logFragment, setLogSink, setLogVerbosity, stderrLogSink, watchLog } from "./log.ts";

test("logFragment() joins CONT fragments into lines and filters by OLLAMA_DEBUG level", () => {
  const seen: Array<[number, string]> = [];
  const watched: string[] = [];
  setLogSink((level, line) => seen.push([level, line]));
  const stop = watchLog((line) => watched.push(line));
  try {
    setLogVerbosity(0);
    logFragment(LogLevel.info, "loading model");
    logFragment(LogLevel.cont, ".");
    logFragment(LogLevel.cont, ".\n");
    logFragment(LogLevel.warn, "careful\n");
    logFragment(LogLevel.error, "broken: ");
    logFragment(LogLevel.cont, "badly\n");
    assert.deepEqual(seen, [[LogLevel.error, "broken: badly"]], "without OLLAMA_DEBUG only errors");
    assert.deepEqual(watched, ["loading model..", "careful", "broken: badly"]);
    seen.length = 0;
    setLogVerbosity(1);
    logFragment(LogLevel.info, "info line\n");
    logFragment(LogLevel.warn, "warn line\n");
    logFragment(LogLevel.debug, "debug line\n");
    setLogVerbosity(2);
    logFragment(LogLevel.debug, "debug line 2\n");
    assert.deepEqual(seen.map(([, l]) => l), ["info line", "warn line", "debug line 2"]);
  } finally {
    stop();
    setLogVerbosity(0);
    setLogSink(stderrLogSink);
  }
});
