/**
 * The few Go formatting rules whose output users and clients see: `%v` / `%#v` of JSON values (the `parameters`
 * text of /api/show), strconv.Quote, and encoding/json's output (sorted map keys, `<>&` escaped, trailing newline),
 * which decides the bytes, and so the digests, of the layers create writes.
 * @module
 */
import { isPrint } from "./parse.ts";

/** Go's `%v` of a float64 (strconv 'g' with the shortest digits: exponent form below 1e-4 and from 1e6 up). */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa, exponentText] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(value);
}

/** Go's strconv.Quote: `"` + escapes for `"`, `\`, control and non-printable characters + `"`. */
export function goQuote(text: string): string {
  let out = '"';
  for (const rune of text) {
    const code = rune.codePointAt(0)!;
    if (rune === '"' || rune === "\\") out += `\\${rune}`;
    else if (isPrint(rune)) out += rune;
    else if (ESCAPES[rune]) out += ESCAPES[rune];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return out + '"';
}

const ESCAPES: Record<string, string> = {
  "\u0007": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
};

/** Go's `%v` of a value decoded from JSON (string, float64, bool, nil, []any, map). */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "number") return goFloat(value);
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(goValue).join(" ")}]`;
  if (typeof value === "object") {
    const entries = Object.keys(value).sort().map((k) => `${k}:${goValue((value as Record<string, unknown>)[k])}`);
    return `map[${entries.join(" ")}]`;
  }
  return String(value);
}

/** Go's `%#v` of a value decoded from JSON: strings quoted, numbers and bools as `%v`. */
export function goSharpValue(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return goQuote(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSharpValue).join(", ")}}`;
  if (typeof value === "object") {
    const entries = Object.keys(value).sort().map((k) =>
      `${goQuote(k)}:${goSharpValue((value as Record<string, unknown>)[k])}`
    );
    return `map[string]interface {}{${entries.join(", ")}}`;
  }
  return goValue(value);
}

/**
 * encoding/json's Encoder output: compact, `<`, `>`, `&`, U+2028 and U+2029 escaped, a newline at the end. Objects
 * keep their key order (Go structs have a fixed order); pass `sortKeys` for values that are Go maps.
 */
export function goJson(value: unknown, options: { sortKeys?: boolean } = {}): string {
  const text = JSON.stringify(options.sortKeys ? sortKeys(value) : value);
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) + "\n";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
