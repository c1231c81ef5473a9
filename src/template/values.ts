/**
 * How Go values are represented while a template runs.
 *
 * - `undefined`: Go's invalid reflect.Value (a missing key, no data). `null`: a nil interface
 *   (a JSON null stored in a map or list).
 * - `boolean` bool, `string` string, `number` float64, `bigint` int64.
 * - `GoInt`: other integer types made by the template itself: `int` (literals, `len`, range
 *   indexes) and `uint8` (bytes from `index` on a string).
 * - `GoComplex`: complex128 literals.
 * - arrays are `[]interface{}`; plain objects are `map[string]interface{}` visited in sorted key
 *   order; a JS `Map` is a map visited in insertion order (like a Go struct's field order).
 * - functions are Go funcs (only `call` invokes them).
 */

/**
 * A value carrying this symbol as a method is a Go `fmt.Stringer`: printing it (verbs v s q x X, as
 * an action's output, through print/printf/html/js/urlquery) uses the string the method returns.
 */
export const GO_STRING: unique symbol = Symbol.for("tollama.template.String") as never;
/** A value carrying this symbol as a method is a Go `json.Marshaler`: `json` writes the JSON text it returns. */
export const GO_JSON: unique symbol = Symbol.for("tollama.template.MarshalJSON") as never;

/** The `String()` method of a value, if it has one. */
export function stringMethod(v: unknown): (() => unknown) | undefined {
  if (v === null || (typeof v !== "object" && typeof v !== "function")) return undefined;
  const f = (v as Record<symbol, unknown>)[GO_STRING];
  return typeof f === "function" ? f.bind(v) : undefined;
}

/** A Go integer whose type is not int64. */
export class GoInt {
  constructor(readonly type: "int" | "uint8", readonly v: bigint) {}
}

/** A Go complex128. */
export class GoComplex {
  constructor(readonly re: number, readonly im: number) {}
}

/** Go's reflect kinds as far as templates care. */
export type Kind =
  | "invalid"
  | "nil"
  | "bool"
  | "int"
  | "uint"
  | "float"
  | "complex"
  | "string"
  | "slice"
  | "map"
  | "func";

export type GoMap = Record<string, unknown> | Map<string, unknown>;

/** The kind of a value. Anything unrecognised (class instances...) is treated as a map of its own keys. */
export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case "undefined":
      return "invalid";
    case "string":
      return "string";
    case "number":
      return "float";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    case "function":
      return "func";
  }
  if (v === null) return "nil";
  if (Array.isArray(v)) return "slice";
  if (v instanceof GoInt) return v.type === "uint8" ? "uint" : "int";
  if (v instanceof GoComplex) return "complex";
  return "map";
}

/** Go's type name (reflect.Type.String()) of a value; nil gives `<nil>`. */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case "invalid":
    case "nil":
      return "<nil>";
    case "string":
      return "string";
    case "float":
      return "float64";
    case "int":
      return v instanceof GoInt ? v.type : "int64";
    case "uint":
      return (v as GoInt).type;
    case "bool":
      return "bool";
    case "complex":
      return "complex128";
    case "slice":
      return "[]interface {}";
    case "map":
      return "map[string]interface {}";
    case "func":
      return "func(...interface {}) (interface {}, error)";
  }
}

/** Integer value of an int/uint-kind value. */
export function intValue(v: unknown): bigint {
  return typeof v === "bigint" ? v : (v as GoInt).v;
}

/** Looks a key up in a map value; `undefined` when absent. */
export function mapGet(m: GoMap, key: string): unknown {
  if (m instanceof Map) return m.get(key);
  const v = (m as Record<string, unknown>)[key];
  if (v === undefined || !Object.hasOwn(m, key)) return undefined;
  return v;
}

/** Number of entries of a map value (keys holding `undefined` do not count). */
export function mapLen(m: GoMap): number {
  if (m instanceof Map) {
    let n = 0;
    for (const v of m.values()) if (v !== undefined) n++;
    return n;
  }
  let n = 0;
  for (const k in m) if (Object.hasOwn(m, k) && (m as Record<string, unknown>)[k] !== undefined) n++;
  return n;
}

/** Keys in visiting order: sorted bytewise for objects, insertion order for a Map. */
export function mapKeys(m: GoMap): string[] {
  if (m instanceof Map) {
    const keys: string[] = [];
    for (const [k, v] of m) if (v !== undefined) keys.push(String(k));
    return keys;
  }
  const keys = Object.keys(m).filter((k) => (m as Record<string, unknown>)[k] !== undefined);
  return keys.sort(compareBytes);
}

/** Compares strings by their UTF-8 bytes (= code point order), as Go sorts map keys. */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    if ((x >= 0xdc80 && x <= 0xdcff) || (y >= 0xdc80 && y <= 0xdcff)) return compareUtf8(a, b);
    // Surrogates (astral code points) sort after U+E000..U+FFFF in code point order.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

// Byte order for strings that may hold raw bytes.
function compareUtf8(a: string, b: string): number {
  const x = utf8(a), y = utf8(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** Go's isTrue: the zero value of its type is false. `ok` is false for values with no truth. */
export function isTrue(v: unknown): boolean {
  switch (typeof v) {
    case "undefined":
      return false;
    case "string":
      return v.length > 0;
    case "number":
      return v !== 0;
    case "bigint":
      return v !== 0n;
    case "boolean":
      return v;
    case "function":
      return true;
  }
  if (v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof GoInt) return v.v !== 0n;
  if (v instanceof GoComplex) return v.re !== 0 || v.im !== 0;
  return mapLen(v as GoMap) > 0;
}

/*
 * Go strings are bytes and may hold invalid UTF-8 (`"\xff"`, a `slice` through a rune). Such a byte b
 * is kept in a JS string as the lone surrogate U+DC00+b (b >= 0x80), so `len`, `index`, `%x`, `%q` see
 * the byte; output shows it as U+FFFD, as Go's raw byte reads once decoded.
 */
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const RAW_BYTE = /[\ud800-\udbff][\udc00-\udfff]|[\udc80-\udcff]/g;

/** True for a code unit standing for a raw invalid byte. */
export function isRawByte(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xdc80 || c > 0xdcff) return false;
  const p = i > 0 ? s.charCodeAt(i - 1) : 0;
  return !(p >= 0xd800 && p < 0xdc00);
}

/** UTF-8 bytes of a Go string (raw bytes come back as themselves). */
export function utf8(s: string): Uint8Array {
  if (!hasRawBytes(s)) return encoder.encode(s);
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (isRawByte(s, i)) {
      out.push(s.charCodeAt(i) - 0xdc00);
      continue;
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    for (const b of encoder.encode(ch)) out.push(b);
    i += ch.length - 1;
  }
  return new Uint8Array(out);
}

/** True when the string holds raw (invalid UTF-8) bytes. */
export function hasRawBytes(s: string): boolean {
  RAW_BYTE.lastIndex = 0;
  for (let m = RAW_BYTE.exec(s); m !== null; m = RAW_BYTE.exec(s)) if (m[0].length === 1) return true;
  return false;
}

/** A Go string from bytes: valid UTF-8 decodes, each invalid byte becomes a raw byte. */
export function fromUtf8(b: Uint8Array): string {
  try {
    return strictDecoder.decode(b);
  } catch {
    // fall through to the byte-by-byte decoding
  }
  let out = "";
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const n = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (n === 1) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    if (n > 0 && i + n <= b.length) {
      try {
        out += strictDecoder.decode(b.subarray(i, i + n));
        i += n;
        continue;
      } catch {
        // an invalid sequence: the lead byte is raw
      }
    }
    out += String.fromCharCode(0xdc00 + c);
    i++;
  }
  return out;
}

/** How Go's raw bytes read in the final text: U+FFFD each. */
export function showRawBytes(s: string): string {
  if (!hasRawBytes(s)) return s;
  return s.replace(RAW_BYTE, (m) => (m.length === 1 ? "\ufffd" : m));
}

/** Go's len of a string: its UTF-8 byte count. */
export function byteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n++;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 4;
      i++;
    } else if (c >= 0xdc80 && c <= 0xdcff) n++; // a raw byte
    else n += 3;
  }
  return n;
}
