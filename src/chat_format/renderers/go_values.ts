/**
 * How Ollama's Go renderers print values: `json.Marshal` of the API's types (struct fields in
 * order, empty ones omitted, tool-call arguments in the order they came, nested maps with sorted
 * keys, `<>&` escaped), `fmt.Sprintf("%v")` of a decoded JSON value, and the spaced JSON some
 * templates expect.
 * @module
 */
import { goJson, type Tool, type ToolProperty } from "../../prompt/mod.ts";

const empty = (v: unknown) => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);
const omitEmpty = (v: unknown) => (empty(v) ? undefined : v);

/** `api.PropertyType`: one type marshals as a string, several as a list. */
export function propertyType(t: string | string[] | undefined): string | string[] | undefined {
  if (t === undefined) return undefined;
  if (Array.isArray(t)) return t.length === 0 ? undefined : t.length === 1 ? t[0] : t;
  return t;
}

/** `api.ToolProperty` as `json.Marshal` writes it (a Map keeps the struct's field order). */
export function propertyJson(p: ToolProperty): Map<string, unknown> {
  return new Map<string, unknown>([
    ["anyOf", p.anyOf?.length ? p.anyOf.map(propertyJson) : undefined],
    ["type", propertyType(p.type)],
    ["items", omitEmpty(p.items)],
    ["description", omitEmpty(p.description)],
    ["enum", omitEmpty(p.enum)],
    ["properties", p.properties ? propertiesJson(p.properties) : undefined],
    ["required", omitEmpty(p.required)],
  ]);
}

/** `api.ToolPropertiesMap`: an ordered map. */
export function propertiesJson(props: Record<string, ToolProperty>): Map<string, unknown> {
  return new Map(Object.entries(props).map(([k, v]) => [k, propertyJson(v)]));
}

/** `api.ToolFunctionParameters` as marshalled (`properties` null when absent). */
export function parametersJson(t: Tool): Map<string, unknown> {
  const p = t.function.parameters ?? {};
  return new Map<string, unknown>([
    ["type", p.type ?? ""],
    ["$defs", omitEmpty(p.$defs)],
    ["items", omitEmpty(p.items)],
    ["required", omitEmpty(p.required)],
    ["properties", p.properties ? propertiesJson(p.properties) : null],
  ]);
}

/** `api.ToolFunction` as marshalled. */
export function functionJson(t: Tool): Map<string, unknown> {
  return new Map<string, unknown>([
    ["name", t.function.name],
    ["description", omitEmpty(t.function.description)],
    ["parameters", parametersJson(t)],
  ]);
}

/** `api.Tool` as marshalled. */
export function toolJson(t: Tool): Map<string, unknown> {
  return new Map<string, unknown>([
    ["type", t.type],
    ["items", omitEmpty(t.items)],
    ["function", functionJson(t)],
  ]);
}

/** Tool-call arguments: insertion order at the top, nested objects as Go maps (sorted). */
export function argumentsJson(args: Record<string, unknown> | undefined): Map<string, unknown> {
  return new Map(Object.entries(args ?? {}));
}

/** `json.Marshal` (re-exported here so renderers import one place). */
export const marshal = goJson;

/** JSON as an encoder with `SetEscapeHTML(false)` writes it (same order rules as {@linkcode marshal}). */
export function marshalNoEscape(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(marshalNoEscape).join(",")}]`;
  const entries = value instanceof Map
    ? [...value].filter(([, v]) => v !== undefined)
    : Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]]);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${marshalNoEscape(v)}`).join(",")}}`;
}

/** `strconv.FormatFloat(f, 'g', -1, 64)` as `%v` prints a float64. */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf";
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const e = n.toExponential();
  const exp = Number(e.slice(e.indexOf("e") + 1));
  // shortest 'g' switches to an exponent below 1e-4 and from 1e6 on
  if (exp < -4 || exp >= 6) {
    const [mant, ex] = e.split("e");
    const sign = ex.startsWith("-") ? "-" : "+";
    const digits = ex.replace(/^[+-]/, "").padStart(2, "0");
    return `${mant}e${sign}${digits}`;
  }
  return String(n);
}

/** `fmt.Sprintf("%v", v)` of a value decoded from JSON. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "number") return goFloat(v);
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  if (typeof v === "object") {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goValue((v as Record<string, unknown>)[k])}`).join(" ")}]`;
  }
  return String(v);
}

/** Go JSON with a space after every `:` and `,` outside strings (`marshalWithSpaces`). */
export function withSpaces(json: string): string {
  let out = "";
  let inStr = false;
  let esc = false;
  for (const c of json) {
    if (inStr) {
      out += c;
      if (esc) esc = false;
      else if (c === "\\") esc = true;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    out += c === ":" || c === "," ? c + " " : c;
  }
  return out;
}

/** Compact Go JSON laid out as `json.MarshalIndent(v, "", indent)` writes it. */
export function indentJson(json: string, indent: string): string {
  let out = "";
  let depth = 0;
  let inStr = false;
  let esc = false;
  const newline = () => "\n" + indent.repeat(depth);
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inStr) {
      out += c;
      if (esc) esc = false;
      else if (c === "\\") esc = true;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') {
      inStr = true;
      out += c;
    } else if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      if (json[i + 1] === close) {
        out += c + close;
        i++;
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === "}" || c === "]") {
      depth--;
      out += newline() + c;
    } else if (c === ",") out += "," + newline();
    else if (c === ":") out += ": ";
    else out += c;
  }
  return out;
}
