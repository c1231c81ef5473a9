/**
 * FunctionGemma (Ollama's `functiongemma` parser): calls as
 * `<start_function_call>call:name{key:value,…}<end_function_call>` where strings sit between
 * `<escape>` marks, numbers and booleans are bare, lists and maps nest, and any other bare text is a
 * string. No thinking.
 * @module
 */
import type { FormatToolCall, OutputSyntax } from "../types.ts";
import { taggedSyntax } from "./tagged.ts";

const ESC = "<escape>";

// Splits on top-level commas; commas inside <escape> strings and nested [] / {} stay.
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let cur = "";
  let depth = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith(ESC, i)) {
      escaped = !escaped;
      cur += ESC;
      i += ESC.length - 1;
      continue;
    }
    const c = text[i];
    if (!escaped && (c === "{" || c === "[")) depth++;
    else if (!escaped && (c === "}" || c === "]")) depth--;
    else if (!escaped && c === "," && depth === 0) {
      if (cur) parts.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  if (cur) parts.push(cur);
  return parts;
}

/** A FunctionGemma value: an escaped string, boolean, number, list, map, else the bare text. */
export function functionGemmaParse(value: string): unknown {
  if (value.length >= 2 * ESC.length && value.startsWith(ESC) && value.endsWith(ESC)) return value.slice(ESC.length, -ESC.length);
  if (value === "true") return true;
  if (value === "false") return false;
  if (/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) return Number(value);
  if (value.startsWith("[") && value.endsWith("]")) return splitTop(value.slice(1, -1)).map(functionGemmaParse);
  if (value.startsWith("{") && value.endsWith("}")) return functionGemmaObject(value.slice(1, -1));
  return value;
}

function functionGemmaObject(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of splitTop(text)) {
    const colon = part.indexOf(":");
    if (colon >= 0) out[part.slice(0, colon)] = functionGemmaParse(part.slice(colon + 1));
  }
  return out;
}

/** One call, `call:name{…}`. */
export function functionGemmaBody(body: string): FormatToolCall[] | null {
  const m = /call:([^{]+)\{([\s\S]*)\}/.exec(body);
  return m ? [{ name: m[1], arguments: functionGemmaObject(m[2]) }] : null;
}

/** The FunctionGemma syntax. */
export const functionGemma: OutputSyntax = {
  tools: taggedSyntax(["<start_function_call>"], "<end_function_call>", functionGemmaBody),
};
