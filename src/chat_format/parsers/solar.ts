/**
 * Upstage Solar Open: the answer after `<|content|>`, thinking after `<|think|>`, calls as
 * `<|tool_calls|><|tool_call:begin|>id<|tool_call:name|>name<|tool_call:args|>{…}<|tool_call:end|>…`.
 * @module
 */
import type { FormatToolCall, OutputSyntax, SectionResult } from "../types.ts";
import { argumentsObject, jsonValueEnd, tryJson } from "./json.ts";

const BEGIN = "<|tool_call:begin|>";
const NAME = "<|tool_call:name|>";
const ARGS = "<|tool_call:args|>";
const END = "<|tool_call:end|>";

/** The calls after `<|tool_calls|>`, one after another. */
export function readSolar(text: string, final: boolean): SectionResult {
  const calls: FormatToolCall[] = [];
  let i = "<|tool_calls|>".length;
  for (;;) {
    const rest = text.slice(i);
    if (!rest.startsWith(BEGIN)) {
      if (!final && BEGIN.startsWith(rest)) return "more";
      return calls.length ? { calls, end: i } : null;
    }
    const name = text.indexOf(NAME, i);
    const args = text.indexOf(ARGS, i);
    if (name < 0 || args < 0) return final ? (calls.length ? { calls, end: i } : null) : "more";
    const end = jsonValueEnd(text, args + ARGS.length);
    if (end === -1) return final ? (calls.length ? { calls, end: i } : null) : "more";
    if (end < 0) return calls.length ? { calls, end: i } : null;
    const object = argumentsObject(tryJson(text.slice(args + ARGS.length, end)));
    if (!object) return calls.length ? { calls, end: i } : null;
    const id = text.slice(i + BEGIN.length, name).trim();
    calls.push({ name: text.slice(name + NAME.length, args).trim(), arguments: object, ...(id ? { id } : {}) });
    i = end;
    if (text.startsWith(END, i)) i += END.length;
    else if (!final && END.startsWith(text.slice(i))) return "more";
  }
}

/** The Solar Open syntax. */
export const solar: OutputSyntax = {
  thinking: { open: ["<|think|>"], close: ["<|end|>"] },
  drop: ["<|content|>", "<|end|>"],
  tools: { open: ["<|tool_calls|>"], parse: (text, final) => readSolar(text, final) },
};
