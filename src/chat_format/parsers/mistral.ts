/**
 * Mistral family: Devstral / Magistral / Ministral 3 write `[TOOL_CALLS]name[ARGS]{…}` (optionally
 * `[CALL_ID]id` before `[ARGS]`), one marker per call; Mistral Nemo / Small write `[TOOL_CALLS][{…}]`.
 * Thinking (Magistral, Ministral reasoning) sits in `[THINK]…[/THINK]`.
 * @module
 */
import type { FormatToolCall, JsonScan, OutputSyntax, PartialCall, SectionResult } from "../types.ts";
import { argumentsObject, argumentText, callsFromJson, jsonValueEnd, partialJsonCall, tryJson } from "./json.ts";

const OPEN = "[TOOL_CALLS]";

/** One `[TOOL_CALLS]` section at the start of `text`. */
export function readMistral(text: string, final: boolean, scan?: JsonScan): SectionResult {
  let i = OPEN.length;
  while (i < text.length && /\s/.test(text[i])) i++;
  if (i >= text.length) return final ? null : "more";
  if (text[i] === "[" || text[i] === "{") {
    const end = jsonValueEnd(text, i, scan);
    if (end === -1) return final ? null : "more";
    if (end < 0) return null;
    const calls = callsFromJson(tryJson(text.slice(i, end)));
    return calls ? { calls, end } : null;
  }
  const args = text.indexOf("[ARGS]", i);
  if (args < 0) return final ? null : "more";
  let name = text.slice(i, args);
  let id: string | undefined;
  const idAt = name.indexOf("[CALL_ID]");
  if (idAt >= 0) [name, id] = [name.slice(0, idAt), name.slice(idAt + "[CALL_ID]".length)];
  name = name.trim();
  if (name === "" || /[\s[\]{}]/.test(name)) return null;
  const start = args + "[ARGS]".length;
  const end = jsonValueEnd(text, start, scan);
  if (end === -1) return final ? null : "more";
  if (end < 0) return null;
  const object = argumentsObject(tryJson(text.slice(start, end)));
  if (!object) return null;
  const call: FormatToolCall = { name, arguments: object };
  if (id) call.id = id.trim();
  return { calls: [call], end };
}

/** The call being written after `[TOOL_CALLS]`: `name[ARGS]…` or a `[{…}` list. */
export function partialMistral(text: string, scan?: JsonScan): PartialCall | null {
  const args = text.indexOf("[ARGS]");
  if (args < 0) return partialJsonCall(text, scan);
  const head = text.slice(OPEN.length, args);
  const idAt = head.indexOf("[CALL_ID]");
  const name = (idAt < 0 ? head : head.slice(0, idAt)).trim();
  const id = idAt < 0 ? "" : head.slice(idAt + "[CALL_ID]".length).trim();
  return { name, arguments: argumentText(text, args + "[ARGS]".length, scan), ...(id ? { id } : {}) };
}

/** The Mistral syntax. */
export const mistral: OutputSyntax = {
  thinking: { open: ["[THINK]"], close: ["[/THINK]"] },
  tools: { open: [OPEN], parse: (text, final, _tools, scan) => readMistral(text, final, scan), partial: partialMistral },
};
