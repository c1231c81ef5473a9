/**
 * Calls as JSON inside `<tool_calls>…</tool_calls>`: MiniMax M1 writes one object per line, Apriel a
 * list. Apriel's reasoning runs until `[BEGIN FINAL RESPONSE]`; Seed-OSS writes Qwen3-Coder XML inside
 * `<seed:tool_call>` and thinks in `<seed:think>`.
 * @module
 */
import type { FormatToolCall, OutputSyntax } from "../types.ts";
import { callsFromJson, jsonValueEnd, tryJson } from "./json.ts";
import { xmlFunctionBody } from "./qwen3_coder.ts";
import { taggedSyntax, THINK_TAGS } from "./tagged.ts";

/** One JSON value or several in a row (a list, or one object per line). */
export function jsonLinesBody(body: string): FormatToolCall[] | null {
  const calls: FormatToolCall[] = [];
  let i = 0;
  while (body.slice(i).trim() !== "") {
    const end = jsonValueEnd(body, i);
    if (end < 0) return null;
    const found = callsFromJson(tryJson(body.slice(i, end)));
    if (!found) return null;
    calls.push(...found);
    i = end;
  }
  return calls.length ? calls : null;
}

/** MiniMax M1. */
export const minimaxM1: OutputSyntax = {
  thinking: THINK_TAGS,
  tools: taggedSyntax(["<tool_calls>"], "</tool_calls>", jsonLinesBody),
};

/** Apriel 1.5 / 1.6. */
export const apriel: OutputSyntax = {
  thinking: { open: ["Here are my reasoning steps:\n"], close: ["[BEGIN FINAL RESPONSE]"] },
  drop: ["[END FINAL RESPONSE]", "<|end|>"],
  tools: taggedSyntax(["<tool_calls>"], "</tool_calls>", jsonLinesBody),
};

/** ByteDance Seed-OSS. */
export const seedOss: OutputSyntax = {
  thinking: { open: ["<seed:think>"], close: ["</seed:think>"] },
  tools: taggedSyntax(["<seed:tool_call>"], "</seed:tool_call>", xmlFunctionBody),
};
