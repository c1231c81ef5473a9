/**
 * Gemma 4: thinking in `<|channel>thought…<channel|>`, calls as `<|tool_call>call:name{key:value,…}<tool_call|>`
 * where keys are bare and strings sit between `<|"|>` marks (no escaping inside).
 * @module
 */
import type { FormatToolCall, OutputSyntax } from "../types.ts";
import { argumentsObject, tryJson } from "./json.ts";
import { taggedSyntax } from "./tagged.ts";

const QUOTE = '<|"|>';

/** Gemma's argument notation as JSON text, or null where it is malformed. */
export function gemmaToJson(text: string): string | null {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith(QUOTE, i)) {
      const end = text.indexOf(QUOTE, i + QUOTE.length);
      if (end < 0) return null;
      out += JSON.stringify(text.slice(i + QUOTE.length, end));
      i = end + QUOTE.length;
      continue;
    }
    const key = /^[A-Za-z_$][\w$.-]*(?=\s*:)/.exec(text.slice(i));
    if (key && /[{,]\s*$/.test(out)) {
      out += JSON.stringify(key[0]);
      i += key[0].length;
      continue;
    }
    out += text[i++];
  }
  return out;
}

/** One call, `call:name{…}`. */
export function gemmaBody(body: string): FormatToolCall[] | null {
  const m = /^\s*call:([^{\s]+)(\{[\s\S]*\})\s*$/.exec(body);
  if (!m) return null;
  const json = gemmaToJson(m[2]);
  const args = json === null ? null : argumentsObject(tryJson(json));
  return args ? [{ name: m[1], arguments: args }] : null;
}

/** The Gemma 4 syntax. */
export const gemma4: OutputSyntax = {
  thinking: { open: ["<|channel>thought"], close: ["<channel|>"] },
  tools: taggedSyntax(["<|tool_call>"], "<tool_call|>", gemmaBody),
};
