/**
 * Test support: parses a text through a syntax whole, then at every split point and character by
 * character, and fails unless every chunking gives the same message.
 * @module
 */
import assert from "node:assert/strict";
import { FormatParser, type FormatParserOptions } from "./format_parser.ts";
import type { FormatChunk, OutputSyntax, ToolSpec } from "./types.ts";

function feed(p: FormatParser, pieces: string[]): FormatChunk {
  const all: FormatChunk = { content: "", thinking: "", toolCalls: [] };
  for (const r of [...pieces.map((x) => p.add(x)), p.finish()]) {
    all.content += r.content;
    all.thinking += r.thinking;
    all.toolCalls.push(...r.toolCalls);
  }
  return all;
}

/** The message `text` parses to; asserts it is the same for every chunking. */
export function parseEverySplit(syntax: OutputSyntax, text: string, options: FormatParserOptions = {}): FormatChunk {
  const whole = feed(new FormatParser(syntax, options), [text]);
  const chars = Array.from(text);
  for (let i = 1; i < chars.length; i++) {
    const split = feed(new FormatParser(syntax, options), [chars.slice(0, i).join(""), chars.slice(i).join("")]);
    assert.deepStrictEqual(split, whole, `split at ${i}`);
  }
  assert.deepStrictEqual(feed(new FormatParser(syntax, options), chars), whole, "char by char");
  return whole;
}

/** A tool spec with string parameters `names` (and others untyped). */
export function tool(name: string, props: Record<string, string> = {}): ToolSpec {
  return { name, properties: Object.fromEntries(Object.entries(props).map(([k, type]) => [k, { type }])) };
}
