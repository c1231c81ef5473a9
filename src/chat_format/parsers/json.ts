/**
 * JSON pieces the parsers share: where a JSON value ends in streamed text, the many shapes a call
 * object takes (`name`/`arguments`, `tool_name`/`parameters`, `{name: args}`, OpenAI's `function`),
 * and a parameter's value typed by the tool's schema for formats that write values as bare text.
 * @module
 */
import type { FormatToolCall, JsonScan, ToolSpec } from "../types.ts";

/**
 * The index just past the JSON object or array starting at `start` (after whitespace), -1 when the
 * text ends first, -2 when what starts there is no object or array. With `scan`, the caller's text has
 * only grown since the last call: a scan that stopped at the same `start` goes on from where it stopped.
 */
export function jsonValueEnd(text: string, start = 0, scan?: JsonScan): number {
  let i = start;
  let depth = 0;
  let inString = false;
  if (scan?.start === start) ({ i, depth, inString } = scan);
  else {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) return -1;
    if (text[i] !== "{" && text[i] !== "[") return -2;
  }
  for (; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  if (scan) Object.assign(scan, { start, i, depth, inString });
  return -1;
}

/** The JSON argument text that starts at `start`: up to the end of the value, or all of it while unfinished. */
export function argumentText(text: string, start: number, scan?: JsonScan): string {
  const end = jsonValueEnd(text, start, scan);
  return (end >= 0 ? text.slice(start, end) : text.slice(start)).trim();
}

/** A `{"name": …, "arguments": …` object being written: the name and the arguments so far. */
export function partialJsonCall(text: string, scan?: JsonScan): { name: string; arguments: string } | null {
  const name = /"(?:name|tool_name)"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text);
  const args = /"(?:arguments|parameters)"\s*:\s*/.exec(text);
  if (!name || !args) return null;
  return { name: JSON.parse(`"${name[1]}"`), arguments: argumentText(text, args.index + args[0].length, scan) };
}

/** `JSON.parse`, or undefined. */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Arguments as an object: a JSON string is parsed; anything else that is no object fails. */
export function argumentsObject(v: unknown): Record<string, unknown> | null {
  if (v === undefined || v === null) return {};
  if (typeof v === "string") v = v.trim() === "" ? {} : tryJson(v);
  return isObject(v) ? v : null;
}

/** A call from one JSON object in any of the shapes models write, or null. */
export function callFromJson(v: unknown): FormatToolCall | null {
  if (!isObject(v)) return null;
  if (isObject(v.function) && typeof v.function.name === "string") {
    const call = callFromJson(v.function);
    if (call && typeof v.id === "string") call.id = v.id;
    return call;
  }
  const name = typeof v.name === "string" ? v.name : typeof v.tool_name === "string" ? v.tool_name : undefined;
  if (name !== undefined) {
    const args = argumentsObject(v.arguments ?? v.parameters ?? v.args);
    if (!args) return null;
    const call: FormatToolCall = { name, arguments: args };
    const id = v.id ?? v.tool_call_id;
    if (typeof id === "string" && id !== "") call.id = id;
    return call;
  }
  // Apertus: {"get_weather": {"location": "Paris"}}.
  const keys = Object.keys(v);
  if (keys.length === 1 && isObject(v[keys[0]])) return { name: keys[0], arguments: v[keys[0]] as Record<string, unknown> };
  return null;
}

/** Calls from one JSON object or array of them; null when any item is not a call. */
export function callsFromJson(v: unknown): FormatToolCall[] | null {
  const items = Array.isArray(v) ? v : [v];
  const calls: FormatToolCall[] = [];
  for (const item of items) {
    const call = callFromJson(item);
    if (!call) return null;
    calls.push(call);
  }
  return calls;
}

/**
 * A parameter written as bare text (XML-like formats): kept a string where the schema says string
 * (or does not know the parameter and it is no JSON), else read as JSON.
 */
export function typedValue(raw: string, tools: readonly ToolSpec[], tool: string, param: string): unknown {
  const type = tools.find((t) => t.name === tool)?.properties[param]?.type;
  const types = Array.isArray(type) ? type : type ? [type] : [];
  if (types.includes("string") && types.length === 1) return raw;
  const parsed = tryJson(raw);
  if (parsed !== undefined) return parsed;
  // What JSON refuses but a typed schema reads (Ollama's qwen3-coder parser): `007`, `+5`, `True`.
  const trimmed = raw.trim();
  if ((types.includes("integer") || types.includes("number")) && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return Number(trimmed);
  if (types.includes("boolean") && /^(true|false)$/i.test(trimmed)) return trimmed.toLowerCase() === "true";
  return raw;
}
