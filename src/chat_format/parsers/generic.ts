/**
 * JSON-based syntaxes without a family of their own: llama.cpp's generic format
 * (`{"tool_call": {…}}` / `{"tool_calls": […]}` as the whole reply), and JSON lists in a pair of
 * markers: Nemotron Nano 2 `<TOOLCALL>`, Apertus `<|tools_prefix|>`, FireFunction ` functools[…]`,
 * GigaChat `<|function_call|>` / `function call<|role_sep|>`.
 * @module
 */
import type { JsonScan, OutputSyntax, SectionResult, ToolSpec } from "../types.ts";
import { jsonBody } from "./hermes.ts";
import { callsFromJson, jsonValueEnd, tryJson } from "./json.ts";
import { readBareJson } from "./llama3.ts";
import { taggedSyntax, THINK_TAGS } from "./tagged.ts";

/** llama.cpp's generic reply object at the start of `text`. */
export function readGeneric(text: string, final: boolean, tools: readonly ToolSpec[], scan?: JsonScan): SectionResult {
  const end = jsonValueEnd(text, 0, scan);
  if (end === -1) return final ? null : "more";
  if (end < 0) return null;
  const v = tryJson(text.slice(0, end)) as Record<string, unknown> | undefined;
  if (v && typeof v === "object" && ("tool_call" in v || "tool_calls" in v)) {
    const calls = callsFromJson(v.tool_calls ?? v.tool_call);
    return calls ? { calls, end } : null;
  }
  return readBareJson(text, final, tools, 0, scan);
}

/** The generic syntax: one JSON object as the whole reply. */
export const generic: OutputSyntax = {
  tools: { open: ["{"], atStartOnly: true, parse: readGeneric },
};

/** A JSON list after `open`, up to `close`. */
function jsonList(open: string[], close: string): OutputSyntax {
  return { thinking: THINK_TAGS, tools: taggedSyntax(open, close, jsonBody) };
}

/** Nemotron Nano 2. */
export const nemotronV2: OutputSyntax = jsonList(["<TOOLCALL>"], "</TOOLCALL>");
/** Apertus. */
export const apertus: OutputSyntax = jsonList(["<|tools_prefix|>"], "<|tools_suffix|>");
/** FireFunction v2. */
export const firefunction: OutputSyntax = {
  tools: { open: [" functools", "functools"], parse: (t, f, tools) => readBareJson(t, f, tools, t.indexOf("functools") + 9) },
};
/** GigaChat 3 / 3.1. */
export const gigachat: OutputSyntax = {
  drop: ["<|message_sep|>"],
  tools: {
    open: ["<|function_call|>", "function call<|role_sep|>"],
    parse: (t, f, tools) => readBareJson(t, f, tools, t.startsWith("<|function_call|>") ? 17 : 25),
  },
};
