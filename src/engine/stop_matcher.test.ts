import { test } from "node:test";
import assert from "node:assert/strict";
import { StopMatcher } from "./stop_matcher.ts";
import { samplingOptions, stopSequences } from "./options.ts";

function feed(matcher: StopMatcher, pieces: string[]): { out: string; stopped: boolean } {
  let out = "";
  for (const piece of pieces) {
    const r = matcher.push(piece);
    out += r.text;
    if (r.stopped) return { out, stopped: true };
  }
  return { out: out + matcher.flush(), stopped: false };
}

test("StopMatcher finds a stop string spread over several pieces and never emits it", () => {
  const m = new StopMatcher(["</end>"]);
  assert.deepEqual(m.push("Hello </"), { text: "Hello ", stopped: false });
  assert.deepEqual(m.push("en"), { text: "", stopped: false });
  assert.deepEqual(m.push("d> tail"), { text: "", stopped: true });
});

test("StopMatcher releases held text once it can no longer start a stop string", () => {
  const m = new StopMatcher(["STOP"]);
  assert.deepEqual(m.push("abcST"), { text: "abc", stopped: false });
  assert.deepEqual(m.push("x"), { text: "STx", stopped: false });
  assert.equal(m.flush(), "");
});

test("StopMatcher picks the earliest of several stops and flushes a held prefix at the end", () => {
  assert.deepEqual(feed(new StopMatcher(["world", "lo"]), ["hel", "lo world"]), { out: "hel", stopped: true });
  assert.deepEqual(feed(new StopMatcher(["xyz"]), ["abc", "xy"]), { out: "abcxy", stopped: false });
  assert.deepEqual(feed(new StopMatcher([]), ["a", "b"]), { out: "ab", stopped: false });
});

test("StopMatcher.matched names the stop string that ended the text (the earliest one), none before", () => {
  const m = new StopMatcher(["world", "lo"]);
  m.push("hel");
  assert.equal(m.matched, undefined);
  m.push("lo world");
  assert.equal(m.matched, "lo");
  const spanning = new StopMatcher(["END", "x"]);
  assert.deepEqual(spanning.push("abc EN"), { text: "abc ", stopped: false });
  assert.equal(spanning.matched, undefined);
  assert.deepEqual(spanning.push("D more"), { text: "", stopped: true });
  assert.equal(spanning.matched, "END");
});

test("stopSequences() accepts a string or a list and drops empty entries", () => {
  assert.deepEqual(stopSequences({ stop: "x" }), ["x"]);
  assert.deepEqual(stopSequences({ stop: ["a", "", "b"] }), ["a", "b"]);
  assert.deepEqual(stopSequences({}), []);
});

test("samplingOptions() applies Ollama's defaults and keeps explicit values", () => {
  const s = samplingOptions({ temperature: 0, seed: 7 });
  assert.equal(s.temperature, 0);
  assert.equal(s.seed, 7);
  assert.equal(s.topK, 40);
  assert.equal(s.topP, 0.9);
  assert.equal(s.repeatPenalty, 1);
  assert.equal(samplingOptions({ grammar: "root ::= \"a\"" }).grammar, "root ::= \"a\"");
});
