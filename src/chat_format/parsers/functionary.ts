/**
 * Functionary: v3.1 writes `<function=name>{…}</function>` (and `<|python_tag|>` code), v3.2 a
 * sequence of `>>>recipient\n…` blocks where the recipient `all` is the answer to the user.
 * @module
 */
import type { JsonScan, OutputSyntax, SectionResult } from "../types.ts";
import { argumentsObject, jsonValueEnd, tryJson } from "./json.ts";

/** One `<function=name>{…}</function>` at the start of `text`. */
export function readFunctionTag(text: string, final: boolean, scan?: JsonScan): SectionResult {
  const m = /^<function=([^>\s]+)>/.exec(text);
  if (!m) return text.length < 64 && !final && !text.includes(">") ? "more" : null;
  const end = jsonValueEnd(text, m[0].length, scan);
  if (end === -1) return final ? null : "more";
  if (end < 0) return null;
  const object = argumentsObject(tryJson(text.slice(m[0].length, end)));
  if (!object) return null;
  const close = /^\s*<\/function>/.exec(text.slice(end));
  if (!close && !final && text.length - end < "</function>".length) return "more";
  return { calls: [{ name: m[1], arguments: object }], end: end + (close ? close[0].length : 0) };
}

/** One `>>>name\n{…}` block; `>>>all\n` is dropped as a marker instead. */
export function readRecipient(text: string, final: boolean, scan?: JsonScan): SectionResult {
  const nl = text.indexOf("\n");
  if (nl < 0) return final ? null : "more";
  const name = text.slice(3, nl).trim();
  if (name === "" || name === "all") return null;
  const end = jsonValueEnd(text, nl + 1, scan);
  if (end === -1) return final ? null : "more";
  if (end < 0) return null;
  const object = argumentsObject(tryJson(text.slice(nl + 1, end)));
  return object ? { calls: [{ name, arguments: object }], end } : null;
}

/** The Functionary v3.1 syntax. */
export const functionaryV31: OutputSyntax = {
  tools: { open: ["<function="], parse: (text, final, _tools, scan) => readFunctionTag(text, final, scan) },
};

/** The Functionary v3.2 syntax. */
export const functionaryV32: OutputSyntax = {
  drop: [">>>all\n"],
  tools: { open: [">>>"], parse: (text, final, _tools, scan) => readRecipient(text, final, scan) },
};
