import { test } from "node:test";
import assert from "node:assert/strict";
import { ThinkingParser, type ThinkingParserOptions } from "./thinking.ts";

function run(options: ThinkingParserOptions, chunks: string[]) {
  const parser = new ThinkingParser(options);
  const out = { thinking: "", content: "" };
  for (const chunk of [...chunks.map((c) => parser.add(c)), parser.finish()]) {
    out.thinking += chunk.thinking;
    out.content += chunk.content;
  }
  return out;
}

/** Same result whole, split at every index, and one character at a time. */
function parseEverySplit(options: ThinkingParserOptions, text: string) {
  const whole = run(options, [text]);
  for (let i = 0; i <= text.length; i++) {
    assert.deepEqual(run(options, [text.slice(0, i), text.slice(i)]), whole, `split at ${i}`);
  }
  assert.deepEqual(run(options, [...text]), whole, "one character at a time");
  return whole;
}

const tags = { openTag: "<think>", closeTag: "</think>" };

test("ThinkingParser splits thinking from content", () => {
  assert.deepEqual(parseEverySplit(tags, "\n<think>\nLet me see.  Hmm.\n</think>\n\nThe answer is 4."), {
    thinking: "Let me see.  Hmm.",
    content: "The answer is 4.",
  });
});

test("ThinkingParser passes output without the opening tag through as content", () => {
  assert.deepEqual(parseEverySplit(tags, "  <thin air> is here"), { thinking: "", content: "  <thin air> is here" });
  assert.deepEqual(parseEverySplit(tags, "<thi"), { thinking: "", content: "<thi" });
});

test("ThinkingParser starts inside thinking when the prompt ends with the opening tag", () => {
  const options = { ...tags, startInThinking: true };
  assert.deepEqual(parseEverySplit(options, "I think </thin> so.</think>Done </think>"), {
    thinking: "I think </thin> so.",
    content: "Done </think>",
  });
});

test("ThinkingParser keeps unfinished thinking as thinking", () => {
  assert.deepEqual(parseEverySplit(tags, "<think> partial thought  </thi"), {
    thinking: "partial thought  </thi",
    content: "",
  });
  assert.deepEqual(parseEverySplit(tags, "<think>\n\n</think>\n\nx"), { thinking: "", content: "x" });
});

test("ThinkingParser rejects missing tags", () => {
  assert.throws(() => new ThinkingParser({ openTag: "", closeTag: "</think>" }), TypeError);
});

test("ThinkingParser is chunk-independent on non-ASCII text too", () => {
  assert.deepEqual(parseEverySplit(tags, "<think>Überlegung 🤔 ✓</think> Antwort: 42 🎉"), {
    thinking: "Überlegung 🤔 ✓",
    content: "Antwort: 42 🎉",
  });
});
