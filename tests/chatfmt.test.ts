// Runs every parse case of the shared chat-format corpus (outputs parsed by llama.cpp's own
// common_chat_parse at the commit of our libraries) through chatFormat(...).parser and compares the
// message recovered with llama.cpp's. Content and thinking are compared with surrounding whitespace
// trimmed (llama.cpp keeps or drops a newline around tags depending on the family); tool calls by
// name and JSON-equal arguments. Cases where llama.cpp itself rejects the output say nothing about
// what a parser should return and are not counted. Every case is also fed at every split point: the
// result must never depend on the chunking.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chatFormat, type FormatChunk } from "../src/chat_format/mod.ts";
import type { Tool } from "../src/prompt/mod.ts";

const dir = fileURLToPath(new URL("../../shared/conformance/chatfmt/", import.meta.url));
const present = existsSync(dir + "cases.jsonl");

// The floor: raise it when more cases pass, never lower it. A case passes when the message equals llama.cpp's,
// or, where llama.cpp misses the intended message (roundtrip false), equals that message (4 Solar Open cases:
// llama.cpp keeps its `<|content|>` marker in the content). All 326 pass (llama-cpp-rwkv-world's prompt ends in
// `<think>` with or without a generation prompt, so, as llama.cpp, its output does not start inside thinking).
const FLOOR = 326;

interface ParseCase {
  id: string;
  kind: string;
  template: string;
  tools?: Tool[];
  output: string | null;
  prompt: string;
  generation_prompt: string;
  skipped?: string;
  /** The message the output was rendered from. */
  target: {
    content?: string;
    reasoning_content?: string;
    tool_calls?: { function: { name: string; arguments: string } }[];
  };
  /** Whether llama.cpp recovers `target`. */
  roundtrip: boolean;
  expect: {
    message?: {
      content: string;
      reasoning_content: string;
      tool_calls: { name: string; arguments: string; id: string }[];
    };
    parse_error?: string;
  };
}

interface TemplateInfo {
  source: string;
  bos_token: string;
  eos_token: string;
}

function feed(p: { add(t: string): FormatChunk; finish(): FormatChunk }, pieces: string[]): FormatChunk {
  const all: FormatChunk = { content: "", thinking: "", toolCalls: [] };
  for (const r of [...pieces.map((x) => p.add(x)), p.finish()]) {
    all.content += r.content;
    all.thinking += r.thinking;
    all.toolCalls.push(...r.toolCalls);
  }
  return all;
}

// llama.cpp's Gemma 4 parser copies a raw newline of a string value into its JSON text.
function lenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(text.replace(/\n/g, "\\n"));
  }
}

function mismatch(got: FormatChunk, want: NonNullable<ParseCase["expect"]["message"]>): string | null {
  if (got.content.trim() !== want.content.trim()) return `content ${JSON.stringify(got.content)}`;
  if (got.thinking.trim() !== want.reasoning_content.trim()) return `thinking ${JSON.stringify(got.thinking)}`;
  const calls = got.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments }));
  const expected = want.tool_calls.map((c) => ({ name: c.name, arguments: lenientJson(c.arguments) }));
  try {
    assert.deepStrictEqual(calls, expected);
  } catch {
    return `tool calls ${JSON.stringify(calls)}`;
  }
  return null;
}

test("chatFormat() parses the chat-format corpus as llama.cpp does", { skip: !present && "../shared/conformance/chatfmt absent", timeout: 300_000 }, () => {
  const templates: Record<string, TemplateInfo> = JSON.parse(readFileSync(dir + "templates.json", "utf8")).templates;
  const cases: ParseCase[] = readFileSync(dir + "cases.jsonl", "utf8").split("\n").filter((l) => l.trim())
    .map((l) => JSON.parse(l)).filter((c: ParseCase) => c.kind === "parse" && !c.skipped && c.expect.message);
  const perFormat = new Map<string, [number, number]>();
  const failures: string[] = [];
  const chunkingFailures: string[] = [];
  let passed = 0;
  const improved: string[] = [];
  for (const c of cases) {
    const t = templates[c.template];
    const fmt = chatFormat({ jinja: t.source, bosToken: t.bos_token, eosToken: t.eos_token });
    const options = { tools: c.tools, think: true, prompt: c.prompt };
    const output = c.output!;
    const whole = feed(fmt.parser(options), [output]);
    const why = mismatch(whole, c.expect.message!);
    // Where llama.cpp misses the intended message, recovering that message is better (issue 13); reasoning
    // the template dropped from the output (Solar, DeepSeek R1 history) cannot be recovered by anyone.
    const reasoning = c.target.reasoning_content ?? "";
    const intended = {
      content: c.target.content ?? "",
      reasoning_content: output.includes(reasoning.trim()) ? reasoning : "",
      tool_calls: (c.target.tool_calls ?? []).map((t) => ({ ...t.function, id: "" })),
    };
    const better = why !== null && !c.roundtrip && mismatch(whole, intended) === null;
    const counts = perFormat.get(fmt.name) ?? [0, 0];
    counts[1]++;
    if (why === null || better) {
      passed++;
      counts[0]++;
      if (better) improved.push(c.id);
    } else failures.push(`${c.id} (${fmt.name}): ${why}`);
    perFormat.set(fmt.name, counts);
    const chars = Array.from(output);
    for (let i = 1; i < chars.length; i++) {
      const split = feed(fmt.parser(options), [chars.slice(0, i).join(""), chars.slice(i).join("")]);
      if (JSON.stringify(split) !== JSON.stringify(whole)) {
        chunkingFailures.push(`${c.id} split at ${i}`);
        break;
      }
    }
    const byChar = feed(fmt.parser(options), chars);
    if (JSON.stringify(byChar) !== JSON.stringify(whole)) chunkingFailures.push(`${c.id} char by char`);
  }
  const table = [...perFormat].sort().map(([name, [ok, all]]) => `  ${name}: ${ok}/${all}`).join("\n");
  console.log(`chatfmt parse: ${passed}/${cases.length} (${(100 * passed / cases.length).toFixed(1)}%), ` +
    `${passed - improved.length} as llama.cpp, ${improved.length} the intended message where llama.cpp misses it\n${table}`);
  if (improved.length) console.log(`better than llama.cpp:\n  ${improved.join("\n  ")}`);
  if (failures.length) console.log(`failures:\n  ${failures.join("\n  ")}`);
  assert.deepStrictEqual(chunkingFailures, []);
  assert.ok(passed >= FLOOR, `${passed} passed, below the floor of ${FLOOR}`);
});
