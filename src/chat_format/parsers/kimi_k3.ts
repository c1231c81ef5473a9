/**
 * Kimi K3: sections as `<|open|>name<|sep|>…<|close|>name<|sep|>` — `think`, `response`, and `tools`
 * holding `<|open|>call tool="x" index="1"<|sep|>` with `<|open|>argument key="k" type="string"<|sep|>v
 * <|close|>argument<|sep|>` children (a non-string type is JSON).
 * @module
 */
import type { FormatToolCall, OutputSyntax } from "../types.ts";
import { tryJson } from "./json.ts";
import { taggedSyntax } from "./tagged.ts";

const CALL = /<\|open\|>call tool="([^"]*)"[^<]*<\|sep\|>([\s\S]*?)(?:<\|close\|>call<\|sep\|>|$)/g;
const ARG = /<\|open\|>argument key="([^"]*)"(?: type="([^"]*)")?<\|sep\|>([\s\S]*?)<\|close\|>argument<\|sep\|>/g;

/** The calls of one `tools` section. */
export function kimiK3Body(body: string): FormatToolCall[] | null {
  const calls: FormatToolCall[] = [];
  for (const m of body.matchAll(CALL)) {
    const args: Record<string, unknown> = {};
    for (const a of m[2].matchAll(ARG)) args[a[1]] = a[2] === "string" || a[2] === undefined ? a[3] : tryJson(a[3]) ?? a[3];
    calls.push({ name: m[1], arguments: args });
  }
  return calls.length ? calls : null;
}

/** The Kimi K3 syntax. */
export const kimiK3: OutputSyntax = {
  thinkingAlways: true,
  thinking: { open: ["<|open|>think<|sep|>"], close: ["<|close|>think<|sep|>"] },
  drop: ["<|open|>response<|sep|>", "<|close|>response<|sep|>", "<|close|>message<|sep|>"],
  tools: taggedSyntax(["<|open|>tools<|sep|>"], "<|close|>tools<|sep|>", kimiK3Body),
};
