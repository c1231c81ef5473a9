/**
 * Go's strconv pieces that templates need: float formatting ('e', 'f', 'g', 'x', 'b' with Go's
 * shortest and fixed-precision rules, round-half-even on the exact binary value) and quoting
 * (Quote, QuoteToASCII, QuoteRune, CanBackquote) with Go's idea of printable runes.
 */

import { isPrintNonAscii } from "./unicode_tables.ts";

/** Decimal digits of |x|: value = 0.d × 10^dp; `d` has no leading or trailing zeros ("" for zero). */
interface Digits {
  d: string;
  dp: number;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

function bitsOf(x: number): { neg: boolean; mant: bigint; exp: number } {
  f64[0] = x;
  const bits = u64[0];
  const neg = (bits >> 63n) === 1n;
  let exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0) exp++;
  else mant |= 1n << 52n;
  exp -= 1023;
  return { neg, mant, exp };
}

function trimZeros(d: string): string {
  let n = d.length;
  while (n > 0 && d.charCodeAt(n - 1) === 48) n--;
  return d.slice(0, n);
}

/** Shortest digits that round-trip (what JS `toExponential()` computes). */
function shortest(abs: number): Digits {
  if (abs === 0) return { d: "", dp: 0 };
  const s = abs.toExponential();
  const e = s.indexOf("e");
  const d = trimZeros(s.slice(0, e).replace(".", ""));
  return { d, dp: Number(s.slice(e + 1)) + 1 };
}

/** Every digit of the exact binary value. */
function exact(abs: number): Digits {
  if (abs === 0) return { d: "", dp: 0 };
  const { mant, exp } = bitsOf(abs);
  const e = exp - 52;
  let s: string;
  let dp: number;
  if (e >= 0) {
    s = (mant << BigInt(e)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-e)).toString();
    dp = s.length + e;
  }
  let lead = 0;
  while (s.charCodeAt(lead) === 48) lead++;
  return { d: trimZeros(s.slice(lead)), dp: dp - lead };
}

/** Rounds to `nd` digits, half to even on the exact value (Go's decimal.Round). */
function round(x: Digits, nd: number): Digits {
  if (nd < 0) return { d: "", dp: x.dp };
  if (nd >= x.d.length) return x;
  const c = x.d.charCodeAt(nd);
  let up = c > 53;
  if (c === 53) up = nd + 1 < x.d.length || (nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1);
  if (!up) return { d: trimZeros(x.d.slice(0, nd)), dp: x.dp };
  let i = nd - 1;
  while (i >= 0 && x.d[i] === "9") i--;
  if (i < 0) return { d: "1", dp: x.dp + 1 };
  return { d: x.d.slice(0, i) + String.fromCharCode(x.d.charCodeAt(i) + 1), dp: x.dp };
}

function fmtE(neg: boolean, x: Digits, prec: number, e: string): string {
  let s = neg ? "-" : "";
  s += x.d.length ? x.d[0] : "0";
  if (prec > 0) {
    s += ".";
    const more = x.d.slice(1, prec + 1);
    s += more + "0".repeat(prec - more.length);
  }
  let exp = x.d.length === 0 ? 0 : x.dp - 1;
  const sign = exp < 0 ? "-" : "+";
  exp = Math.abs(exp);
  return s + e + sign + (exp < 10 ? "0" + exp : String(exp));
}

function fmtF(neg: boolean, x: Digits, prec: number): string {
  let s = neg ? "-" : "";
  if (x.dp > 0) {
    const m = Math.min(x.d.length, x.dp);
    s += x.d.slice(0, m) + "0".repeat(x.dp - m);
  } else s += "0";
  if (prec > 0) {
    s += ".";
    for (let i = 1; i <= prec; i++) {
      const j = x.dp + i - 1;
      s += j >= 0 && j < x.d.length ? x.d[j] : "0";
    }
  }
  return s;
}

function fmtX(x: number, prec: number, upper: boolean): string {
  let { neg, mant, exp } = bitsOf(x);
  if (mant === 0n) exp = 0;
  mant <<= 8n; // leading 1 at bit 60
  const top = 1n << 60n;
  while (mant !== 0n && (mant & top) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & (top - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  let s = (neg ? "-" : "") + "0" + (upper ? "X" : "x") + ((mant >> 60n) & 1n).toString();
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  const mask = (1n << 64n) - 1n;
  if (prec < 0 && mant !== 0n) {
    s += ".";
    while (mant !== 0n) {
      s += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & mask;
    }
  } else if (prec > 0) {
    s += ".";
    for (let i = 0; i < prec; i++) {
      s += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & mask;
    }
  }
  s += upper ? "P" : "p";
  s += exp < 0 ? "-" : "+";
  const a = Math.abs(exp);
  return s + (a < 10 ? "0" + a : String(a));
}

/** strconv.FormatFloat(x, fmt, prec, 64). prec < 0 means shortest. */
export function formatFloat(x: number, fmt: string, prec: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  const neg = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  if (fmt === "x" || fmt === "X") return fmtX(x, prec, fmt === "X");
  if (fmt === "b") {
    const { mant, exp } = bitsOf(x);
    const e = exp - 52;
    return (neg ? "-" : "") + mant.toString() + "p" + (e >= 0 ? "+" : "") + e;
  }
  const isShortest = prec < 0;
  let dg: Digits;
  if (isShortest) {
    dg = shortest(abs);
    if (fmt === "e" || fmt === "E") prec = Math.max(dg.d.length - 1, 0);
    else if (fmt === "f" || fmt === "F") prec = Math.max(dg.d.length - dg.dp, 0);
    else prec = dg.d.length;
  } else {
    const ex = exact(abs);
    if (fmt === "e" || fmt === "E") dg = round(ex, prec + 1);
    else if (fmt === "f" || fmt === "F") dg = round(ex, ex.dp + prec);
    else {
      if (prec === 0) prec = 1;
      dg = round(ex, prec);
    }
  }
  switch (fmt) {
    case "e":
    case "E":
      return fmtE(neg, dg, prec, fmt);
    case "f":
    case "F":
      return fmtF(neg, dg, prec);
  }
  // 'g' / 'G'
  let eprec = prec;
  if (eprec > dg.d.length && dg.d.length >= dg.dp) eprec = dg.d.length;
  if (isShortest) eprec = 6;
  const exp = dg.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > dg.d.length) prec = dg.d.length;
    return fmtE(neg, dg, prec - 1, fmt === "G" ? "E" : "e");
  }
  if (prec > dg.dp) prec = dg.d.length;
  return fmtF(neg, dg, Math.max(prec - dg.dp, 0));
}

/** Go's unicode.IsPrint / strconv.IsPrint (Unicode 13, as Go 1.19). */
export function isPrint(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  return isPrintNonAscii(cp);
}

const HEX = "0123456789abcdef";

function escapeRune(cp: number, quote: number, ascii: boolean): string {
  if (cp === quote || cp === 92) return "\\" + String.fromCodePoint(cp);
  if (ascii ? cp < 0x80 && isPrint(cp) : isPrint(cp)) return String.fromCodePoint(cp);
  switch (cp) {
    case 7:
      return "\\a";
    case 8:
      return "\\b";
    case 12:
      return "\\f";
    case 10:
      return "\\n";
    case 13:
      return "\\r";
    case 9:
      return "\\t";
    case 11:
      return "\\v";
  }
  if (cp < 0x20 || cp === 0x7f) return "\\x" + HEX[cp >> 4] + HEX[cp & 15];
  if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) cp = 0xfffd;
  if (cp < 0x10000) return "\\u" + cp.toString(16).padStart(4, "0");
  return "\\U" + cp.toString(16).padStart(8, "0");
}

/** strconv.Quote (or QuoteToASCII when `ascii`). */
export function goQuote(s: string, ascii = false): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 34 && c !== 92) {
      out += s[i];
      continue;
    }
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    else if (cp >= 0xdc80 && cp <= 0xdcff) {
      // a raw invalid byte (see values.ts)
      out += "\\x" + HEX[(cp >> 4) & 15] + HEX[cp & 15];
      continue;
    }
    out += escapeRune(cp, 34, ascii);
  }
  return out + '"';
}

/** strconv.QuoteRune (or QuoteRuneToASCII). */
export function goQuoteRune(cp: number, ascii = false): string {
  if (cp > 0x10ffff || cp < 0 || (cp >= 0xd800 && cp < 0xe000)) cp = 0xfffd;
  return "'" + escapeRune(cp, 39, ascii) + "'";
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfeff) return false;
    if ((cp < 0x20 && cp !== 9) || cp === 0x60 || cp === 0x7f) return false;
  }
  return true;
}
