/**
 * Llama 3.1 / 3.2 / 3.3: a call is the whole reply, bare JSON `{"name": …, "parameters": {…}}`
 * (or after `<|python_tag|>`); calls may follow one another separated by `;`. JSON that is no call,
 * or a call to a tool the request does not have, stays content.
 * @module
 */
import type { FormatToolCall, JsonScan, OutputSyntax, SectionResult, ToolSpec } from "../types.ts";
import { callsFromJson, jsonValueEnd, tryJson } from "./json.ts";

/** Bare JSON calls at the start of `text` (after `skip` characters of marker). */
export function readBareJson(
  text: string,
  final: boolean,
  tools: readonly ToolSpec[],
  skip = 0,
  scan?: JsonScan,
): SectionResult {
  const calls: FormatToolCall[] = [];
  let i = skip;
  for (;;) {
    const end = jsonValueEnd(text, i, scan);
    if (end === -1) return final && calls.length ? { calls, end: i } : final ? null : "more";
    if (end < 0) return calls.length ? { calls, end: i } : null;
    const found = callsFromJson(tryJson(text.slice(i, end)));
    const known = found?.every((c) => tools.length === 0 || tools.some((t) => t.name === c.name));
    if (!found || !known) return calls.length ? { calls, end: i } : null;
    calls.push(...found);
    i = end;
    const sep = /^\s*;?\s*/.exec(text.slice(i))![0];
    if (i + sep.length >= text.length && !final) return "more";
    i += sep.length;
  }
}

/** The Llama 3.x syntax. */
export const llama3: OutputSyntax = {
  tools: {
    open: ["<|python_tag|>", "{"],
    atStartOnly: true,
    parse: (text, final, tools, scan) =>
      readBareJson(text, final, tools, text.startsWith("{") ? 0 : "<|python_tag|>".length, scan),
  },
};

