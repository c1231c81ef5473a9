/**
 * The functions Ollama adds to its templates: `json` (Go's json.Marshal, as a string; "" when Go's
 * Marshal would fail), `currentDate` / `yesterdayDate` (YYYY-MM-DD, local time) and
 * `toTypeScriptType` (a tool property's JSON-schema type as a TypeScript type).
 */
import type { FuncContext, GoFunc } from "./func_types.ts";
import { formatFloat } from "./strconv.ts";
import { GO_JSON, GoComplex, GoInt, type GoMap, kindOf, mapGet, mapKeys } from "./values.ts";

class Unsupported extends Error {}

const HEX = "0123456789abcdef";

/** Go's JSON string encoding with HTML-safe escapes. */
export function jsonString(s: string): string {
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | null = null;
    if (c < 0x20) {
      rep = c === 10 ? "\\n" : c === 13 ? "\\r" : c === 9 ? "\\t" : "\\u00" + HEX[c >> 4] + HEX[c & 15];
    } else if (c === 34) rep = '\\"';
    else if (c === 92) rep = "\\\\";
    else if (c === 60) rep = "\\u003c";
    else if (c === 62) rep = "\\u003e";
    else if (c === 38) rep = "\\u0026";
    else if (c === 0x2028) rep = "\\u2028";
    else if (c === 0x2029) rep = "\\u2029";
    else if (c >= 0xd800 && c < 0xe000) {
      const d = s.charCodeAt(i + 1);
      if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
        i++;
        continue;
      }
      rep = "\\ufffd";
    }
    if (rep === null) continue;
    out += s.slice(last, i) + rep;
    last = i + 1;
  }
  return out + s.slice(last) + '"';
}

function jsonFloat(x: number): string {
  if (!Number.isFinite(x)) throw new Unsupported();
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    return formatFloat(x, "e", -1).replace(/e([+-])0(\d)$/, "e$1$2");
  }
  return formatFloat(x, "f", -1);
}

function marshal(v: unknown): string {
  switch (typeof v) {
    case "undefined":
      return "null";
    case "string":
      return jsonString(v);
    case "number":
      return jsonFloat(v);
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "true" : "false";
    case "function":
      throw new Unsupported();
  }
  if (v === null) return "null";
  const custom = (v as Record<symbol, unknown>)[GO_JSON];
  if (typeof custom === "function") {
    // json.Marshal writes a Marshaler's output HTML-escaped.
    return String(custom.call(v)).replace(
      /[<>&\u2028\u2029]/g,
      (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
    );
  }
  if (v instanceof GoInt) return v.v.toString();
  if (v instanceof GoComplex) throw new Unsupported();
  if (Array.isArray(v)) return "[" + v.map(marshal).join(",") + "]";
  const m = v as GoMap;
  const parts: string[] = [];
  for (const k of mapKeys(m)) parts.push(jsonString(k) + ":" + marshal(mapGet(m, k)));
  return "{" + parts.join(",") + "}";
}

/** Go's json.Marshal of a template value; throws when Go's would fail. */
export function jsonMarshal(v: unknown): string {
  return marshal(v);
}

// Go's json.Unmarshal matches field names case-insensitively when there is no exact match.
function field(m: GoMap, name: string): unknown {
  const exact = mapGet(m, name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const k of mapKeys(m)) if (k.toLowerCase() === lower) return mapGet(m, k);
  return undefined;
}

function tsOf(jsonType: string): string {
  switch (jsonType) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "array":
      return "any[]";
    case "object":
      return "Record<string, any>";
    case "null":
      return "null";
  }
  return "any";
}

/** Ollama's ToolProperty.ToTypeScriptType over a property given as a map. */
export function toTypeScriptType(v: unknown): string {
  if (kindOf(v) !== "map") return "any";
  const m = v as GoMap;
  const anyOf = field(m, "AnyOf");
  if (Array.isArray(anyOf) && anyOf.length > 0) return anyOf.map(toTypeScriptType).join(" | ");
  const t = field(m, "Type");
  const types = typeof t === "string" ? [t] : Array.isArray(t) ? t.filter((x) => typeof x === "string") : [];
  if (types.length === 0) return "any";
  return types.map(tsOf).join(" | ");
}

function ymd(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${String(d.getFullYear()).padStart(4, "0")}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Ollama's template functions, bound to a clock. */
export function ollamaFuncs(ctx: FuncContext): Map<string, GoFunc> {
  return new Map<string, GoFunc>([
    ["json", {
      params: ["any"],
      call: (a) => {
        try {
          return marshal(a[0]);
        } catch (e) {
          if (e instanceof Unsupported) return "";
          throw e;
        }
      },
    }],
    // Both accept (and ignore) format strings, as Ollama's do.
    ["currentDate", { params: [], variadic: "string", call: () => ymd(ctx.now()) }],
    ["yesterdayDate", {
      params: [],
      variadic: "string",
      call: () => {
        const d = new Date(ctx.now().getTime());
        d.setDate(d.getDate() - 1);
        return ymd(d);
      },
    }],
    ["toTypeScriptType", { params: ["any"], call: (a) => toTypeScriptType(a[0]) }],
  ]);
}
