/**
 * OpenAI harmony (gpt-oss): `<|channel|>analysis<|message|>…<|end|>` is thinking, `<|channel|>final<|message|>…`
 * the answer, and `<|channel|>commentary to=functions.name <|constrain|>json<|message|>{…}<|call|>` (or the
 * recipient before the channel: `<|start|>assistant to=functions.name<|channel|>commentary json<|message|>`)
 * a call. Headers of later turns (`<|start|>assistant`) are dropped.
 * @module
 */
import type { JsonScan, OutputSyntax, SectionResult } from "../types.ts";
import { argumentsObject, argumentText, jsonValueEnd, tryJson } from "./json.ts";

/** One call addressed `to=functions.name` at the start of `text`. */
export function readHarmonyCall(text: string, final: boolean, scan?: JsonScan): SectionResult {
  const msg = text.indexOf("<|message|>");
  if (msg < 0) return final ? null : "more";
  const header = text.slice(0, msg);
  const m = /to=(?:functions\.)?([^\s<]+)/.exec(header);
  if (!m) return null;
  const start = msg + "<|message|>".length;
  const end = jsonValueEnd(text, start, scan);
  if (end === -1) return final ? null : "more";
  if (end < 0) return null;
  const object = argumentsObject(tryJson(text.slice(start, end)));
  if (!object) return null;
  const rest = text.slice(end);
  const call = /^\s*<\|call\|>/.exec(rest);
  if (!call && !final && "<|call|>".startsWith(rest.trimStart())) return "more";
  return { calls: [{ name: m[1], arguments: object }], end: end + (call ? call[0].length : 0) };
}

/** The harmony syntax. */
export const harmony: OutputSyntax = {
  thinkingAlways: true,
  thinking: { open: ["<|channel|>analysis<|message|>"], close: ["<|end|>"] },
  drop: [
    "<|start|>assistant",
    "<|channel|>final<|message|>",
    "<|channel|>commentary<|message|>",
    "<|end|>",
    "<|return|>",
  ],
  tools: {
    open: ["<|channel|>commentary to=", "<|channel|>analysis to=", " to=functions."],
    parse: (text, final, _tools, scan) => readHarmonyCall(text, final, scan),
    partial(text, scan) {
      const msg = text.indexOf("<|message|>");
      const m = /to=(?:functions\.)?([^\s<]+)/.exec(msg < 0 ? "" : text.slice(0, msg));
      return m ? { name: m[1], arguments: argumentText(text, msg + "<|message|>".length, scan) } : null;
    },
  },
};
