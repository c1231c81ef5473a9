/**
 * fmt.Sprintf: the format-string walk of Go's doPrintf (flags, `[n]` argument indexes, `*` width and
 * precision, MISSING / BADINDEX / NOVERB / EXTRA reports) over the Printer of fmt.ts.
 */
import { Printer } from "./fmt.ts";
import { GoInt, typeName } from "./values.ts";

function tooLarge(n: number): boolean {
  return n > 1e6 || n < -1e6;
}

function parseNum(s: string, start: number, end: number): [number, boolean, number] {
  if (start >= end) return [0, false, end];
  let num = 0;
  let isNum = false;
  let i = start;
  for (; i < end && s[i] >= "0" && s[i] <= "9"; i++) {
    if (tooLarge(num)) return [0, false, end];
    num = num * 10 + (s.charCodeAt(i) - 48);
    isNum = true;
  }
  return [num, isNum, i];
}

function intFromArg(a: unknown[], argNum: number): [number, boolean, number] {
  let num = 0;
  let isInt = false;
  let next = argNum;
  if (argNum < a.length) {
    const v = a[argNum];
    if (typeof v === "bigint" || v instanceof GoInt) {
      const n = typeof v === "bigint" ? v : v.v;
      if (n >= -(1n << 63n) && n < 1n << 63n) {
        num = Number(n);
        isInt = true;
      }
    }
    next = argNum + 1;
    if (tooLarge(num)) {
      num = 0;
      isInt = false;
    }
  }
  return [num, isInt, next];
}

/** fmt.Sprintf. */
export function sprintf(format: string, a: unknown[]): string {
  const p = new Printer();
  const end = format.length;
  let argNum = 0;
  let afterIndex = false;
  let reordered = false;
  let goodArgNum = true;

  const argNumber = (i: number): [number, number, boolean] => {
    if (i >= end || format[i] !== "[") return [argNum, i, false];
    reordered = true;
    // parseArgNumber
    let index = 0, wid = 1, ok = false;
    if (end - i >= 3) {
      for (let j = i + 1; j < end; j++) {
        if (format[j] === "]") {
          const [w, isNum, newi] = parseNum(format, i + 1, j);
          if (!isNum || newi !== j) {
            wid = j - i + 1;
            ok = false;
          } else {
            index = w - 1;
            wid = j - i + 1;
            ok = true;
          }
          break;
        }
      }
    }
    if (ok && index >= 0 && index < a.length) return [index, i + wid, true];
    goodArgNum = false;
    return [argNum, i + wid, ok];
  };

  for (let i = 0; i < end;) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== "%") i++;
    if (i > lasti) p.buf += format.slice(lasti, i);
    if (i >= end) break;
    i++;
    p.clearFlags();
    let simple = false;
    flags: for (; i < end; i++) {
      const c = format[i];
      switch (c) {
        case "#":
          p.sharp = true;
          break;
        case "0":
          p.zero = !p.minus;
          break;
        case "+":
          p.plus = true;
          break;
        case "-":
          p.minus = true;
          p.zero = false;
          break;
        case " ":
          p.space = true;
          break;
        default:
          if (c >= "a" && c <= "z" && argNum < a.length) {
            if (c === "v") {
              p.sharpV = p.sharp;
              p.sharp = false;
              p.plusV = p.plus;
              p.plus = false;
            }
            p.printArg(a[argNum], c);
            argNum++;
            i++;
            simple = true;
          }
          break flags;
      }
    }
    if (simple) continue;

    [argNum, i, afterIndex] = argNumber(i);

    if (i < end && format[i] === "*") {
      i++;
      [p.wid, p.widPresent, argNum] = intFromArg(a, argNum);
      if (!p.widPresent) p.buf += "%!(BADWIDTH)";
      if (p.wid < 0) {
        p.wid = -p.wid;
        p.minus = true;
        p.zero = false;
      }
      afterIndex = false;
    } else {
      [p.wid, p.widPresent, i] = parseNum(format, i, end);
      if (afterIndex && p.widPresent) goodArgNum = false;
    }

    if (i + 1 < end && format[i] === ".") {
      i++;
      if (afterIndex) goodArgNum = false;
      [argNum, i, afterIndex] = argNumber(i);
      if (i < end && format[i] === "*") {
        i++;
        [p.prec, p.precPresent, argNum] = intFromArg(a, argNum);
        if (p.prec < 0) {
          p.prec = 0;
          p.precPresent = false;
        }
        if (!p.precPresent) p.buf += "%!(BADPREC)";
        afterIndex = false;
      } else {
        [p.prec, p.precPresent, i] = parseNum(format, i, end);
        if (!p.precPresent) {
          p.prec = 0;
          p.precPresent = true;
        }
      }
    }

    if (!afterIndex) [argNum, i, afterIndex] = argNumber(i);

    if (i >= end) {
      p.buf += "%!(NOVERB)";
      break;
    }
    const cp = format.codePointAt(i)!;
    const verb = String.fromCodePoint(cp);
    i += verb.length;

    if (verb === "%") p.buf += "%";
    else if (!goodArgNum) p.buf += "%!" + verb + "(BADINDEX)";
    else if (argNum >= a.length) p.buf += "%!" + verb + "(MISSING)";
    else {
      if (verb === "v") {
        p.sharpV = p.sharp;
        p.sharp = false;
        p.plusV = p.plus;
        p.plus = false;
      }
      p.printArg(a[argNum], verb);
      argNum++;
    }
  }

  if (!reordered && argNum < a.length) {
    p.clearFlags();
    p.buf += "%!(EXTRA ";
    for (let k = argNum; k < a.length; k++) {
      if (k > argNum) p.buf += ", ";
      const arg = a[k];
      if (arg === null || arg === undefined) p.buf += "<nil>";
      else {
        p.buf += typeName(arg) + "=";
        p.printArg(arg, "v");
      }
    }
    p.buf += ")";
  }
  return p.buf;
}
