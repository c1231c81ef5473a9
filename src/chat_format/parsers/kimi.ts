/**
 * Kimi K2: `<|tool_calls_section_begin|><|tool_call_begin|>functions.name:0<|tool_call_argument_begin|>{…}
 * <|tool_call_end|>…<|tool_calls_section_end|>`; the id is `functions.name:0`. Thinking in `<think>`.
 * @module
 */
import type { FormatToolCall, OutputSyntax } from "../types.ts";
import { argumentsObject, argumentText, tryJson } from "./json.ts";
import { taggedSyntax, THINK_TAGS } from "./tagged.ts";

const CALL = /<\|tool_call_begin\|>([\s\S]*?)<\|tool_call_argument_begin\|>([\s\S]*?)(?:<\|tool_call_end\|>|$)/g;

/** The calls of one section. */
export function kimiBody(body: string): FormatToolCall[] | null {
  const calls: FormatToolCall[] = [];
  for (const m of body.matchAll(CALL)) {
    const id = m[1].trim();
    const name = id.replace(/^functions\./, "").replace(/:\d+$/, "");
    const object = argumentsObject(tryJson(m[2].trim()));
    if (!object || name === "") return null;
    calls.push({ name, arguments: object, id });
  }
  return calls.length ? calls : null;
}

/** The Kimi K2 syntax. */
export const kimi: OutputSyntax = {
  thinking: THINK_TAGS,
  tools: {
    ...taggedSyntax(["<|tool_calls_section_begin|>"], "<|tool_calls_section_end|>", kimiBody),
    partial(text, scan) {
      // The last call of the section is the one being written.
      const at = text.lastIndexOf("<|tool_call_begin|>");
      const args = text.indexOf("<|tool_call_argument_begin|>", at);
      if (at < 0 || args < 0) return null;
      const id = text.slice(at + "<|tool_call_begin|>".length, args).trim();
      const name = id.replace(/^functions\./, "").replace(/:\d+$/, "");
      return { name, arguments: argumentText(text, args + "<|tool_call_argument_begin|>".length, scan), id };
    },
  },
};
