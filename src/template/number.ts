/**
 * Number literals of Go templates: every interpretation a literal admits (int64, uint64, float64,
 * complex128), as Go's `parse.newNumber` computes them with strconv's rules (base prefixes,
 * underscores, hex floats, rune constants).
 */
import type { NumberNode } from "./ast.ts";
import { fromUtf8 } from "./values.ts";

const MAX_I64 = (1n << 63n) - 1n;
const MIN_I64 = -(1n << 63n);
const MAX_U64 = (1n << 64n) - 1n;

/** Error raised for a malformed literal (becomes a parse error). */
export class NumberSyntaxError extends Error {}

function underscoreOK(s: string): boolean {
  let saw = "^";
  let i = 0;
  if (s[0] === "-" || s[0] === "+") s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === "0" && "bBoOxX".includes(s[1])) {
    i = 2;
    saw = "0";
    hex = s[1] === "x" || s[1] === "X";
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= "0" && c <= "9") || (hex && /[a-fA-F]/.test(c))) {
      saw = "0";
      continue;
    }
    if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

/** strconv.ParseInt/ParseUint with base 0; null when the syntax is wrong. Range is checked by callers. */
function parseIntBase0(text: string, allowSign: boolean): bigint | null {
  let s = text;
  let neg = false;
  if (s[0] === "+" || s[0] === "-") {
    if (!allowSign) return null;
    neg = s[0] === "-";
    s = s.slice(1);
  }
  let base = 10;
  let body = s;
  if (s.length >= 2 && s[0] === "0") {
    const p = s[1].toLowerCase();
    if (p === "x") (base = 16), (body = s.slice(2));
    else if (p === "o") (base = 8), (body = s.slice(2));
    else if (p === "b") (base = 2), (body = s.slice(2));
    else (base = 8), (body = s.slice(1));
  }
  if (body.includes("_")) {
    if (!underscoreOK(text)) return null;
    body = body.replaceAll("_", "");
  }
  if (body === "") return null;
  const re = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : base === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (!re.test(body)) return null;
  const prefix = base === 16 ? "0x" : base === 8 ? "0o" : base === 2 ? "0b" : "";
  const v = BigInt(prefix + body);
  return neg ? -v : v;
}

/** strconv.ParseFloat(text, 64); null on syntax error or out of range. */
export function parseGoFloat(text: string): number | null {
  let s = text;
  if (s.includes("_")) {
    if (!underscoreOK(s)) return null;
    s = s.replaceAll("_", "");
  }
  let sign = 1;
  if (s[0] === "+" || s[0] === "-") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  const lower = s.toLowerCase();
  if (lower === "inf" || lower === "infinity") return sign * Infinity;
  if (lower === "nan") return NaN;
  if (lower.startsWith("0x")) {
    const m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?p([+-]?[0-9]+)$/.exec(lower);
    if (!m || (m[1] === "" && (m[2] ?? "") === "")) return null;
    const frac = m[2] ?? "";
    const mant = BigInt("0x" + (m[1] + frac || "0"));
    const exp = Number(m[3]) - 4 * frac.length;
    const v = scaleByPow2(mant, exp);
    if (!Number.isFinite(v)) return null;
    return sign * v;
  }
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?$/.test(lower)) return null;
  const v = Number(lower);
  if (!Number.isFinite(v)) return null;
  return sign * v;
}

// mant * 2^exp: Number(mant) rounds once; scaling by a power of two is exact for normal results.
function scaleByPow2(mant: bigint, exp: number): number {
  let v = Number(mant);
  while (exp > 1000) (v *= 2 ** 1000), (exp -= 1000);
  while (exp < -1000) (v *= 2 ** -1000), (exp += 1000);
  return v * 2 ** exp;
}

/** A character constant `'x'`: exactly one character or escape (Go's UnquoteChar); returns its value. */
export function unquoteRune(text: string): number {
  if (text.length < 3 || text[0] !== "'" || text[text.length - 1] !== "'") {
    throw new NumberSyntaxError("invalid syntax");
  }
  const body = text.slice(1, -1);
  let value: number;
  let rest: string;
  if (body[0] !== "\\") {
    value = body.codePointAt(0)!;
    if (value === 0x27 || value === 0x0a) throw new NumberSyntaxError("invalid syntax");
    rest = body.slice(String.fromCodePoint(value).length);
  } else {
    const m = /^\\(?:([abfnrtv\\'])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3}))/.exec(body);
    if (!m) throw new NumberSyntaxError("invalid syntax");
    if (m[1] !== undefined) value = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, "'": 39 }[m[1]]!;
    else if (m[5] !== undefined) value = parseInt(m[5], 8);
    else value = parseInt(m[2] ?? m[3] ?? m[4], 16);
    if (m[5] !== undefined && value > 255) throw new NumberSyntaxError("invalid syntax");
    if ((m[3] ?? m[4]) !== undefined && (value > 0x10ffff || (value >= 0xd800 && value < 0xe000))) {
      throw new NumberSyntaxError("invalid syntax");
    }
    rest = body.slice(m[0].length);
  }
  if (rest !== "") throw new NumberSyntaxError(`malformed character constant: ${text}`);
  return value;
}

/**
 * strconv.Unquote for "...", `...` and '...' literals. Throws SyntaxError("invalid syntax").
 * \x and octal escapes produce bytes; these are decoded as UTF-8 where they form sequences, else U+FFFD.
 */
export function unquote(text: string): string {
  const q = text[0];
  if (text.length < 2 || text[text.length - 1] !== q) throw new NumberSyntaxError("invalid syntax");
  const body = text.slice(1, -1);
  if (q === "`") {
    if (body.includes("`")) throw new NumberSyntaxError("invalid syntax");
    return body.replaceAll("\r", "");
  }
  if (q !== '"' && q !== "'") throw new NumberSyntaxError("invalid syntax");
  if (!body.includes("\\")) {
    if (body.includes("\n") || (q === '"' && body.includes('"'))) throw new NumberSyntaxError("invalid syntax");
    return body;
  }
  const bytes: number[] = [];
  const enc = new TextEncoder();
  const pushStr = (s: string) => {
    for (const b of enc.encode(s)) bytes.push(b);
  };
  for (let i = 0; i < body.length;) {
    const c = body[i];
    if (c === q && q === '"') throw new NumberSyntaxError("invalid syntax");
    if (c !== "\\") {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      pushStr(ch);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92 };
    if (e in simple) {
      bytes.push(simple[e]);
      continue;
    }
    if (e === q) {
      bytes.push(q.charCodeAt(0));
      continue;
    }
    if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw new NumberSyntaxError("invalid syntax");
      i += n;
      const v = parseInt(hex, 16);
      if (e === "x") bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new NumberSyntaxError("invalid syntax");
        pushStr(String.fromCodePoint(v));
      }
      continue;
    }
    if (e >= "0" && e <= "7") {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) throw new NumberSyntaxError("invalid syntax");
      const v = parseInt(oct, 8);
      if (v > 255) throw new NumberSyntaxError("invalid syntax");
      bytes.push(v);
      i += 2;
      continue;
    }
    throw new NumberSyntaxError("invalid syntax");
  }
  return fromUtf8(new Uint8Array(bytes));
}

type Num = Omit<NumberNode, "type" | "pos">;

function blank(text: string): Num {
  return {
    text,
    isInt: false,
    isUint: false,
    isFloat: false,
    isComplex: false,
    int: 0n,
    uint: 0n,
    float: 0,
    complex: [0, 0],
  };
}

function simplifyComplex(n: Num) {
  n.isFloat = n.complex[1] === 0;
  if (n.isFloat) {
    n.float = n.complex[0];
    const f = n.float;
    n.isInt = Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63;
    if (n.isInt) n.int = BigInt(f);
    n.isUint = Number.isInteger(f) && f >= 0 && f < 2 ** 64;
    if (n.isUint) n.uint = BigInt(f);
  }
}

/** Interprets a number, char-constant or complex token like Go's newNumber. */
export function parseNumber(text: string, kind: "number" | "char" | "complex"): Num {
  const n = blank(text);
  if (kind === "char") {
    const r = unquoteRune(text);
    n.int = BigInt(r);
    n.uint = BigInt(r);
    n.float = r;
    n.isInt = n.isUint = n.isFloat = true;
    return n;
  }
  if (kind === "complex") {
    // Split "re±imi" at the first sign after which both parts are valid floats (Sscan's reading).
    let re: number | null = null, im: number | null = null;
    for (let i = 1; i < text.length - 1 && im === null; i++) {
      if (text[i] !== "+" && text[i] !== "-") continue;
      re = parseGoFloat(text.slice(0, i));
      if (re !== null) im = parseGoFloat(text.slice(i, -1));
    }
    if (re === null || im === null) throw new NumberSyntaxError("syntax error scanning complex number");
    n.isComplex = true;
    n.complex = [re, im];
    simplifyComplex(n);
    return n;
  }
  if (text.endsWith("i")) {
    const f = parseGoFloat(text.slice(0, -1));
    if (f !== null) {
      n.isComplex = true;
      n.complex = [0, f];
      simplifyComplex(n);
      return n;
    }
  }
  const u = parseIntBase0(text, false);
  if (u !== null && u <= MAX_U64) {
    n.isUint = true;
    n.uint = u;
  }
  const i = parseIntBase0(text, true);
  if (i !== null && i >= MIN_I64 && i <= MAX_I64) {
    n.isInt = true;
    n.int = i;
    if (i === 0n) {
      n.isUint = true;
      n.uint = 0n;
    }
  }
  if (n.isInt) {
    n.isFloat = true;
    n.float = Number(n.int);
  } else if (n.isUint) {
    n.isFloat = true;
    n.float = Number(n.uint);
  } else {
    const f = parseGoFloat(text);
    if (f !== null) {
      if (!/[.eEpP]/.test(text)) throw new NumberSyntaxError(`integer overflow: ${JSON.stringify(text)}`);
      n.isFloat = true;
      n.float = f;
      if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) {
        n.isInt = true;
        n.int = BigInt(f);
      }
      if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
        n.isUint = true;
        n.uint = BigInt(f);
      }
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat) {
    throw new NumberSyntaxError(`illegal number syntax: ${JSON.stringify(text)}`);
  }
  return n;
}
