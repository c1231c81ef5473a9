/**
 * A tool-call section between an opening and a closing marker, read by a family's body parser once
 * it is closed (or at the end of the message, where the closing marker may be cut off by a stop).
 * @module
 */
import type { FormatToolCall, SectionResult, ToolSpec, ToolSyntax } from "../types.ts";

/** Reads a section's text (between the markers) into calls, or null when it is no call. */
export type BodyParser = (body: string, tools: readonly ToolSpec[]) => FormatToolCall[] | null;

/** The section at the start of `text` (which begins with one of `open`) closed by `close`. */
export function readTagged(
  text: string,
  final: boolean,
  tools: readonly ToolSpec[],
  open: readonly string[],
  close: string,
  body: BodyParser,
): SectionResult {
  const opener = open.filter((o) => text.startsWith(o)).sort((a, b) => b.length - a.length)[0];
  if (opener === undefined) return null;
  const at = text.indexOf(close, opener.length);
  if (at < 0 && !final) return "more";
  const inner = at < 0 ? text.slice(opener.length) : text.slice(opener.length, at);
  const calls = body(inner, tools);
  if (!calls) return null;
  return { calls, end: at < 0 ? text.length : at + close.length };
}

/** A {@linkcode ToolSyntax} for sections between `open` and `close`. */
export function taggedSyntax(open: readonly string[], close: string, body: BodyParser): ToolSyntax {
  return { open, parse: (text, final, tools) => readTagged(text, final, tools, open, close, body) };
}

/** Tries each body parser in turn. */
export function anyBody(...parsers: BodyParser[]): BodyParser {
  return (body, tools) => {
    for (const p of parsers) {
      const calls = p(body, tools);
      if (calls) return calls;
    }
    return null;
  };
}

/** Thinking tags most open-weight families use. */
export const THINK_TAGS = { open: ["<think>"], close: ["</think>"] } as const;
