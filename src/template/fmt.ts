/**
 * Go's fmt printing over template values (see values.ts): Sprint, Sprintln, Sprintf with flags
 * `+ - # 0 space`, width, precision, `*`, explicit argument indexes `[n]`, and the verbs
 * v T t d b o O x X c q U e E f F g G s p, plus Go's error forms (`%!d(string=x)`, `%!v(MISSING)`,
 * `%!(EXTRA ...)`, `%!(NOVERB)`). Composite values print as Go prints []interface{} and
 * map[string]interface{} (`[a b]`, `map[k:v]`).
 */
import { canBackquote, formatFloat, goQuote, goQuoteRune, isPrint } from "./strconv.ts";
import { GoComplex, GoInt, type GoMap, kindOf, mapGet, mapKeys, stringMethod, typeName, utf8 } from "./values.ts";

function runeCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function truncateRunes(s: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c < 0xdc00 && i + 1 < s.length ? 2 : 1;
  }
  return s.slice(0, i);
}

/** Go fmt's printer state (flags, width, precision) and its per-type formatting. */
export class Printer {
  buf = "";
  plus = false;
  minus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  erroring = false;
  wid = 0;
  widPresent = false;
  prec = 0;
  precPresent = false;

  clearFlags() {
    this.plus =
      this.minus =
      this.sharp =
      this.space =
      this.zero =
        false;
    this.plusV = this.sharpV = false;
    this.wid = this.prec = 0;
    this.widPresent = this.precPresent = false;
  }

  writePadding(n: number) {
    if (n <= 0) return;
    this.buf += (this.zero ? "0" : " ").repeat(n);
  }

  pad(s: string) {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  fmtS(s: string) {
    if (this.precPresent) s = truncateRunes(s, this.prec);
    this.pad(s);
  }

  fmtSx(s: string, upper: boolean) {
    const digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    const b = utf8(s);
    let length = b.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) width += 2;
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    let out = "";
    const prefix = "0" + (upper ? "X" : "x");
    if (this.sharp) out += prefix;
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += " ";
        if (this.sharp) out += prefix;
      }
      out += digits[b[i] >> 4] + digits[b[i] & 15];
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  fmtQ(s: string) {
    if (this.precPresent) s = truncateRunes(s, this.prec);
    if (this.sharp && canBackquote(s)) {
      this.pad("`" + s + "`");
      return;
    }
    this.pad(goQuote(s, this.plus));
  }

  fmtInteger(value: bigint, base: number, signed: boolean, verb: string, upper: boolean) {
    const negative = signed && value < 0n;
    let u = negative ? -value : value;
    if (!signed && u < 0n) u &= (1n << 64n) - 1n;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let s = u.toString(base);
    if (upper) s = s.toUpperCase();
    if (s.length < prec) s = "0".repeat(prec - s.length) + s;
    if (this.sharp) {
      if (base === 2) s = "0b" + s;
      else if (base === 8 && s[0] !== "0") s = "0" + s;
      else if (base === 16) s = (upper ? "0X" : "0x") + s;
    }
    if (verb === "O") s = "0o" + s;
    if (negative) s = "-" + s;
    else if (this.plus) s = "+" + s;
    else if (this.space) s = " " + s;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  fmtUnicode(value: bigint) {
    let u = value & ((1n << 64n) - 1n);
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let hex = u.toString(16).toUpperCase();
    if (hex.length < prec) hex = "0".repeat(prec - hex.length) + hex;
    let s = "U+" + hex;
    if (this.sharp && u <= 0x10ffffn && isPrint(Number(u))) s += " '" + String.fromCodePoint(Number(u)) + "'";
    u = 0n;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  intArg(v: bigint, signed: boolean, verb: string, arg: unknown, top: boolean) {
    switch (verb) {
      case "v":
        if (this.sharpV && !signed) {
          const old = this.sharp;
          this.sharp = true;
          this.fmtInteger(v, 16, false, "v", false);
          this.sharp = old;
        } else this.fmtInteger(v, 10, signed, verb, false);
        return;
      case "d":
        return this.fmtInteger(v, 10, signed, verb, false);
      case "b":
        return this.fmtInteger(v, 2, signed, verb, false);
      case "o":
      case "O":
        return this.fmtInteger(v, 8, signed, verb, false);
      case "x":
        return this.fmtInteger(v, 16, signed, verb, false);
      case "X":
        return this.fmtInteger(v, 16, signed, verb, true);
      case "c": {
        const cp = v < 0n || v > 0x10ffffn || (v >= 0xd800n && v < 0xe000n) ? 0xfffd : Number(v);
        return this.pad(String.fromCodePoint(cp));
      }
      case "q":
        return this.pad(goQuoteRune(v < 0n || v > 0x10ffffn ? 0xfffd : Number(v), this.plus));
      case "U":
        return this.fmtUnicode(v);
    }
    this.badVerb(verb, arg, top);
  }

  floatArg(v: number, verb: string, arg: unknown, top: boolean) {
    switch (verb) {
      case "v":
        return this.fmtFloat(v, "g", -1);
      case "b":
      case "g":
      case "G":
      case "x":
      case "X":
        return this.fmtFloat(v, this.sharpV ? "g" : verb, -1);
      case "f":
      case "e":
      case "E":
        return this.fmtFloat(v, verb, 6);
      case "F":
        return this.fmtFloat(v, "f", 6);
    }
    this.badVerb(verb, arg, top);
  }

  fmtFloat(v: number, verb: string, prec: number) {
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, verb, prec);
    if (num[0] !== "-" && num[0] !== "+") num = "+" + num;
    if (this.space && num[0] === "+" && !this.plus) num = " " + num.slice(1);
    if (num[1] === "I" || num[1] === "N") {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === "N" && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== "b") num = sharpFloat(num, verb, prec);
    if (this.plus || num[0] !== "+") {
      if (this.zero && this.widPresent && this.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  complexArg(v: GoComplex, verb: string, arg: unknown, top: boolean) {
    if (!"vbgGxXfFeE".includes(verb)) return this.badVerb(verb, arg, top);
    const oldPlus = this.plus;
    this.buf += "(";
    this.floatArg(v.re, verb, v.re, false);
    this.plus = true;
    this.floatArg(v.im, verb, v.im, false);
    this.buf += "i)";
    this.plus = oldPlus;
  }

  stringArg(s: string, verb: string, arg: unknown, top: boolean) {
    switch (verb) {
      case "v":
        return this.sharpV ? this.fmtQ(s) : this.fmtS(s);
      case "s":
        return this.fmtS(s);
      case "x":
        return this.fmtSx(s, false);
      case "X":
        return this.fmtSx(s, true);
      case "q":
        return this.fmtQ(s);
    }
    this.badVerb(verb, arg, top);
  }

  boolArg(b: boolean, verb: string, arg: unknown, top: boolean) {
    if (verb === "t" || verb === "v") return this.pad(b ? "true" : "false");
    this.badVerb(verb, arg, top);
  }

  badVerb(verb: string, arg: unknown, top: boolean) {
    this.erroring = true;
    this.buf += "%!" + verb + "(";
    if (arg === null || arg === undefined) this.buf += "<nil>";
    else {
      this.buf += typeName(arg) + "=";
      if (top) this.printArg(arg, "v");
      else this.printValue(arg, "v", 0);
    }
    this.buf += ")";
    this.erroring = false;
  }

  printArg(arg: unknown, verb: string) {
    if (arg === null || arg === undefined) {
      if (verb === "T" || verb === "v") this.pad("<nil>");
      else this.badVerb(verb, arg, true);
      return;
    }
    if (verb === "T") return this.fmtS(typeName(arg));
    if (verb === "p") return this.fmtPointer(arg);
    if (typeof arg === "object" && this.handleMethods(arg, verb)) return;
    this.printScalarOr(arg, verb, true, 0);
  }

  // %p: maps, slices and funcs print an address (which no test can know); other values are bad verbs.
  fmtPointer(arg: unknown) {
    const k = kindOf(arg);
    if (k !== "map" && k !== "slice" && k !== "func") return this.badVerb("p", arg, true);
    const sharp = this.sharp;
    this.sharp = !sharp;
    this.fmtInteger(0xc000010000n, 16, false, "v", false);
    this.sharp = sharp;
  }

  // Go's handleMethods: %w outside Errorf is a bad verb; a Stringer prints its String() for v s x X q.
  handleMethods(v: unknown, verb: string): boolean {
    if (this.erroring) return false;
    if (verb === "w") {
      this.badVerb(verb, v, true);
      return true;
    }
    if (this.sharpV) return false;
    if (verb !== "v" && verb !== "s" && verb !== "x" && verb !== "X" && verb !== "q") return false;
    const str = stringMethod(v);
    if (str === undefined) return false;
    this.stringArg(String(str()), verb, "", false);
    return true;
  }

  printScalarOr(v: unknown, verb: string, top: boolean, depth: number) {
    switch (typeof v) {
      case "string":
        return this.stringArg(v, verb, v, top);
      case "number":
        return this.floatArg(v, verb, v, top);
      case "bigint":
        return this.intArg(v, true, verb, v, top);
      case "boolean":
        return this.boolArg(v, verb, v, top);
    }
    if (v instanceof GoInt) return this.intArg(v.v, v.type !== "uint8", verb, v, top);
    if (v instanceof GoComplex) return this.complexArg(v, verb, v, top);
    this.printValue(v, verb, depth);
  }

  printValue(v: unknown, verb: string, depth: number) {
    if (v === null || v === undefined) {
      if (depth === 0 && v === undefined) {
        this.buf += "<invalid reflect.Value>";
        return;
      }
      this.buf += this.sharpV ? "interface {}(nil)" : "<nil>";
      return;
    }
    if (typeof v !== "object" && typeof v !== "function") return this.printScalarOr(v, verb, false, depth);
    if (v instanceof GoInt || v instanceof GoComplex) return this.printScalarOr(v, verb, false, depth);
    if (depth > 0 && this.handleMethods(v, verb)) return;
    if (typeof v === "function") {
      this.buf += this.sharpV ? "(" + typeName(v) + ")(0x0)" : "0x0";
      return;
    }
    if (Array.isArray(v)) {
      if (this.sharpV) {
        this.buf += "[]interface {}{";
        for (let i = 0; i < v.length; i++) {
          if (i > 0) this.buf += ", ";
          this.printValue(v[i], verb, depth + 1);
        }
        this.buf += "}";
        return;
      }
      this.buf += "[";
      for (let i = 0; i < v.length; i++) {
        if (i > 0) this.buf += " ";
        this.printValue(v[i], verb, depth + 1);
      }
      this.buf += "]";
      return;
    }
    const m = v as GoMap;
    const keys = mapKeys(m);
    this.buf += this.sharpV ? "map[string]interface {}{" : "map[";
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) this.buf += this.sharpV ? ", " : " ";
      this.printValue(keys[i], verb, depth + 1);
      this.buf += ":";
      this.printValue(mapGet(m, keys[i]), verb, depth + 1);
    }
    this.buf += this.sharpV ? "}" : "]";
  }
}

// The '#' flag on floats: keep the decimal point and trailing zeros (Go's fmtFloat).
function sharpFloat(num: string, verb: string, prec: number): string {
  let digits = 0;
  if (verb === "v" || verb === "g" || verb === "G" || verb === "x") digits = prec === -1 ? 6 : prec;
  let tail = "";
  let hasPoint = false;
  let sawNonzero = false;
  let body = num;
  for (let i = 1; i < body.length; i++) {
    const c = body[i];
    if (c === ".") hasPoint = true;
    else if (c === "p" || c === "P" || ((c === "e" || c === "E") && verb !== "x" && verb !== "X")) {
      tail = body.slice(i);
      body = body.slice(0, i);
      break;
    } else {
      if (c !== "0") sawNonzero = true;
      if (sawNonzero) digits--;
    }
  }
  if (!hasPoint) {
    if (body.length === 2 && body[1] === "0") digits--;
    body += ".";
  }
  if (digits > 0) body += "0".repeat(digits);
  return body + tail;
}

/** fmt.Sprint. */
export function sprint(args: unknown[]): string {
  const p = new Printer();
  let prevString = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const isString = typeof a === "string";
    if (i > 0 && !isString && !prevString) p.buf += " ";
    p.printArg(a, "v");
    prevString = isString;
  }
  return p.buf;
}

/** fmt.Sprintln. */
export function sprintln(args: unknown[]): string {
  const p = new Printer();
  for (let i = 0; i < args.length; i++) {
    if (i > 0) p.buf += " ";
    p.printArg(args[i], "v");
  }
  return p.buf + "\n";
}

/** fmt.Sprint of one value, with a fast path for the common scalars. */
export function sprint1(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "boolean") return v ? "true" : "false";
  const p = new Printer();
  p.printArg(v, "v");
  return p.buf;
}
