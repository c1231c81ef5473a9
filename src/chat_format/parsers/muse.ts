/**
 * Muse (glimmer): harmony-like turns addressed by recipient — ` to=self<|message|>` is thinking,
 * ` to=user<|message|>` the answer, ` to=tool<|message|><atem:function_calls>…</atem:function_calls>` a
 * call in an XML dialect; `<|eom|><|start|>assistant` separates them.
 * @module
 */
import type { OutputSyntax, SectionResult, ToolSpec } from "../types.ts";
import { invokeBody } from "./invoke_xml.ts";

const BODY = invokeBody("atem:invoke", "atem:parameter");
const OPEN = "<atem:function_calls>";
const CLOSE = "</atem:function_calls>";

/** One ` to=name<|message|><atem:function_calls>…` section at the start of `text`. */
export function readMuseCall(text: string, final: boolean, tools: readonly ToolSpec[]): SectionResult {
  const msg = text.indexOf("<|message|>");
  if (msg < 0) return final ? null : "more";
  const start = msg + "<|message|>".length;
  const rest = text.slice(start);
  if (!rest.startsWith(OPEN)) return OPEN.startsWith(rest) && !final ? "more" : null;
  const end = rest.indexOf(CLOSE);
  if (end < 0 && !final) return "more";
  const calls = BODY(rest.slice(OPEN.length, end < 0 ? rest.length : end), tools);
  return calls ? { calls, end: end < 0 ? text.length : start + end + CLOSE.length } : null;
}

/** The Muse syntax. */
export const muse: OutputSyntax = {
  thinkingAlways: true,
  thinking: { open: [" to=self<|message|>"], close: ["<|eom|>"] },
  drop: [" to=user<|message|>", "<|start|>assistant", "<|eom|>"],
  tools: { open: [" to="], parse: readMuseCall },
};
