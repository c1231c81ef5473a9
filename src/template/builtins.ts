/**
 * Go text/template's builtin functions (Go 1.19 semantics): and or not len index slice print printf
 * println html js urlquery eq ne lt le gt ge call. Comparisons accept only like kinds (signed and
 * unsigned integers mix); `len`, `index`, `slice` on strings work on UTF-8 bytes.
 */
import { FuncError, type GoFunc, INTERFACE_INDEX } from "./func_types.ts";
import { sprint, sprintln } from "./fmt.ts";
import { sprintf } from "./printf.ts";
import { isPrint } from "./strconv.ts";
import {
  byteLength,
  compareBytes,
  fromUtf8,
  type GoComplex,
  GoInt,
  type GoMap,
  intValue,
  isTrue,
  kindOf,
  mapGet,
  mapLen,
  typeName,
  utf8,
} from "./values.ts";

// reflect.Value arguments: an interface holding nil is the invalid value.
function indirect(v: unknown): unknown {
  return v === null ? undefined : v;
}

function basicKind(v: unknown): string {
  const k = kindOf(v);
  switch (k) {
    case "bool":
    case "int":
    case "uint":
    case "float":
    case "complex":
    case "string":
      return k;
  }
  return "invalid";
}

function eq(arg1: unknown, ...rest: unknown[]): boolean {
  arg1 = indirect(arg1);
  if (rest.length === 0) throw new FuncError("missing argument for comparison");
  const k1 = basicKind(arg1);
  for (let arg of rest) {
    arg = indirect(arg);
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (k1 === "int" && k2 === "uint") truth = intValue(arg1) >= 0n && intValue(arg1) === intValue(arg);
      else if (k1 === "uint" && k2 === "int") truth = intValue(arg) >= 0n && intValue(arg1) === intValue(arg);
      else if (arg1 !== undefined && arg !== undefined) throw new FuncError("incompatible types for comparison");
    } else {
      switch (k1) {
        case "bool":
        case "float":
        case "string":
          truth = arg1 === arg;
          break;
        case "int":
        case "uint":
          truth = intValue(arg1) === intValue(arg);
          break;
        case "complex": {
          const a = arg1 as GoComplex, b = arg as GoComplex;
          truth = a.re === b.re && a.im === b.im;
          break;
        }
        default: {
          // Neither is a basic kind: nil compares with anything, like kinds are not comparable.
          if (arg1 !== undefined && arg !== undefined && kindOf(arg1) !== kindOf(arg)) {
            throw new FuncError(
              `non-comparable types ${sprintf("%s", [arg1])}: ${typeName(arg1)}, ${typeName(arg)}: ${
                sprintf("%v", [arg])
              }`,
            );
          }
          if (arg === undefined || arg1 === undefined) truth = arg1 === arg;
          else throw new FuncError(`non-comparable type ${sprintf("%s", [arg])}: ${typeName(arg)}`);
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: unknown, arg2: unknown): boolean {
  arg1 = indirect(arg1);
  const k1 = basicKind(arg1);
  if (k1 === "invalid") throw new FuncError("invalid type for comparison");
  arg2 = indirect(arg2);
  const k2 = basicKind(arg2);
  if (k2 === "invalid") throw new FuncError("invalid type for comparison");
  if (k1 !== k2) {
    if (k1 === "int" && k2 === "uint") return intValue(arg1) < 0n || intValue(arg1) < intValue(arg2);
    if (k1 === "uint" && k2 === "int") return intValue(arg2) >= 0n && intValue(arg1) < intValue(arg2);
    throw new FuncError("incompatible types for comparison");
  }
  switch (k1) {
    case "bool":
    case "complex":
      throw new FuncError("invalid type for comparison");
    case "int":
    case "uint":
      return intValue(arg1) < intValue(arg2);
  }
  if (k1 === "string") return compareBytes(arg1 as string, arg2 as string) < 0;
  return (arg1 as number) < (arg2 as number);
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, b);
}

function indexArg(index: unknown, cap: number): number {
  if (index === INTERFACE_INDEX) throw new FuncError("cannot index slice/array with type interface {}");
  index = indirect(index);
  const k = kindOf(index);
  if (k === "invalid") throw new FuncError("cannot index slice/array with nil");
  if (k !== "int" && k !== "uint") throw new FuncError(`cannot index slice/array with type ${typeName(index)}`);
  const x = intValue(index);
  if (x < 0n || x > BigInt(cap)) throw new FuncError(`index out of range: ${x}`);
  return Number(x);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  item = indirect(item);
  if (item === undefined) throw new FuncError("index of untyped nil");
  for (const idx0 of indexes) {
    const idx = indirect(idx0);
    if (item === null) throw new FuncError("index of nil pointer");
    switch (kindOf(item)) {
      case "slice": {
        const list = item as unknown[];
        const x = indexArg(idx, list.length);
        if (x === list.length) throw new FuncError("reflect: slice index out of range");
        item = list[x];
        break;
      }
      case "string": {
        const bytes = utf8(item as string);
        const x = indexArg(idx, bytes.length);
        if (x === bytes.length) throw new FuncError("reflect: string index out of range");
        item = new GoInt("uint8", BigInt(bytes[x]));
        break;
      }
      case "map": {
        if (idx === undefined) throw new FuncError("value is nil; should be of type string");
        if (typeof idx !== "string") throw new FuncError(`value has type ${typeName(idx)}; should be string`);
        const v = mapGet(item as GoMap, idx);
        item = v === undefined ? null : v;
        break;
      }
      default:
        throw new FuncError(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

// Go's malloc size classes up to 32 KiB (runtime/sizeclasses.go); larger sizes round to 8 KiB pages.
const SIZE_CLASSES = [
  8,
  16,
  24,
  32,
  48,
  64,
  80,
  96,
  112,
  128,
  144,
  160,
  176,
  192,
  208,
  224,
  240,
  256,
  288,
  320,
  352,
  384,
  416,
  448,
  480,
  512,
  576,
  640,
  704,
  768,
  896,
  1024,
  1152,
  1280,
  1408,
  1536,
  1792,
  2048,
  2304,
  2688,
  3072,
  3200,
  3456,
  4096,
  4864,
  5376,
  6144,
  6528,
  6784,
  6912,
  8192,
  9472,
  9728,
  10240,
  10880,
  12288,
  13568,
  14336,
  16384,
  18432,
  19072,
  20480,
  21760,
  24576,
  27264,
  28672,
  32768,
];

function roundUpSize(size: number): number {
  if (size < 32768) {
    for (const c of SIZE_CLASSES) if (c >= size) return c;
  }
  return Math.ceil(size / 8192) * 8192;
}

const appendCaps = new Map<number, number>();

/**
 * The capacity Go gives a []interface{} of n elements built by append from empty, as encoding/json
 * decodes arrays. `slice` may reach past the length up to this capacity (the extra elements are nil).
 */
function appendCap(n: number): number {
  let cap: number | undefined = appendCaps.get(n);
  if (cap !== undefined) return cap;
  cap = 0;
  while (cap < n) {
    const need = cap + 1;
    let next: number = cap * 2;
    if (need > next) next = need;
    else if (cap >= 256) {
      next = cap;
      while (next < need) next += Math.floor((next + 768) / 4);
    }
    cap = roundUpSize(next * 16) / 16;
  }
  appendCaps.set(n, cap);
  return cap;
}

// What a list returned by `slice` shares with its original: Go slices are views of one backing
// array, so re-slicing past a sub-slice's length shows the original's elements.
interface View {
  base: unknown[];
  off: number;
  cap: number;
}
const views = new WeakMap<unknown[], View>();

function viewOf(list: unknown[]): View {
  return views.get(list) ?? { base: list, off: 0, cap: appendCap(list.length) };
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  item = indirect(item);
  if (item === undefined) throw new FuncError("slice of untyped nil");
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  let cap: number;
  let len: number;
  let bytes: Uint8Array | null = null;
  switch (kindOf(item)) {
    case "string":
      if (indexes.length === 3) throw new FuncError("cannot 3-index slice a string");
      bytes = utf8(item as string);
      cap = len = bytes.length;
      break;
    case "slice":
      len = (item as unknown[]).length;
      cap = viewOf(item as unknown[]).cap;
      break;
    default:
      throw new FuncError(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, len, 0];
  indexes.forEach((x, i) => (idx[i] = indexArg(x, cap)));
  if (idx[0] > idx[1]) throw new FuncError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1] > idx[2]) throw new FuncError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (bytes !== null) return fromUtf8(bytes.subarray(idx[0], idx[1]));
  const view = viewOf(item as unknown[]);
  const out: unknown[] = [];
  // Past the data's end (up to the capacity) the backing array holds nil.
  for (let k = view.off + idx[0]; k < view.off + idx[1]; k++) out.push(k < view.base.length ? view.base[k] : null);
  views.set(out, { base: view.base, off: view.off + idx[0], cap: (indexes.length === 3 ? idx[2] : cap) - idx[0] });
  return out;
}

function length(item: unknown): GoInt {
  if (item === null) throw new FuncError("len of nil pointer");
  if (item === undefined) throw new FuncError("reflect: call of reflect.Value.Type on zero Value");
  switch (kindOf(item)) {
    case "string":
      return new GoInt("int", BigInt(byteLength(item as string)));
    case "slice":
      return new GoInt("int", BigInt((item as unknown[]).length));
    case "map":
      return new GoInt("int", BigInt(mapLen(item as GoMap)));
  }
  throw new FuncError(`len of type ${typeName(item)}`);
}

function call(fn: unknown, ...args: unknown[]): unknown {
  fn = indirect(fn);
  if (fn === undefined) throw new FuncError("call of nil");
  if (typeof fn !== "function") throw new FuncError(`non-function of type ${typeName(fn)}`);
  try {
    // Hand JS functions plain JS values: template ints (`int`, `uint8`) arrive as numbers.
    return fn(...args.map((a) => (a === undefined ? null : a instanceof GoInt ? Number(a.v) : a)));
  } catch (e) {
    throw new FuncError(e instanceof Error ? e.message : String(e));
  }
}

// text/template's evalArgs: fmt.Sprint, with a missing value shown as "<no value>".
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? "<no value>" : a)));
}

/** text/template's HTMLEscapeString. */
export function htmlEscape(s: string): string {
  if (!/['"&<>\0]/.test(s)) return s;
  return s.replace(/['"&<>\0]/g, (c) => {
    switch (c) {
      case '"':
        return "&#34;";
      case "'":
        return "&#39;";
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
    }
    return "\uFFFD";
  });
}

/** text/template's JSEscapeString (Go 1.19). */
export function jsEscape(s: string): string {
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | null = null;
    if (c < 0x80) {
      switch (c) {
        case 92:
          rep = "\\\\";
          break;
        case 39:
          rep = "\\'";
          break;
        case 34:
          rep = '\\"';
          break;
        case 60:
          rep = "\\u003C";
          break;
        case 62:
          rep = "\\u003E";
          break;
        case 38:
          rep = "\\u0026";
          break;
        case 61:
          rep = "\\u003D";
          break;
        default:
          if (c < 0x20) rep = "\\u00" + c.toString(16).toUpperCase().padStart(2, "0");
      }
    } else {
      const cp = s.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      // Go decodes an invalid byte as U+FFFD, which is printable: the byte is written as it is.
      const raw = cp >= 0xdc80 && cp <= 0xdcff;
      if (!raw && !isPrint(cp)) {
        rep = "\\u" + (cp >= 0xd800 && cp < 0xe000 ? "FFFD" : cp.toString(16).toUpperCase().padStart(4, "0"));
      }
      if (rep === null) {
        i += w - 1;
        continue;
      }
      out += s.slice(last, i) + rep;
      i += w - 1;
      last = i + 1;
      continue;
    }
    if (rep === null) continue;
    out += s.slice(last, i) + rep;
    last = i + 1;
  }
  return last === 0 ? s : out + s.slice(last);
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = "";
  for (const b of utf8(s)) {
    if (
      (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b === 45 || b === 95 || b === 46 ||
      b === 126
    ) out += String.fromCharCode(b);
    else if (b === 32) out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** The builtin function table. */
export const BUILTINS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ["and", { params: ["value"], variadic: "value", call: (a) => a[a.length - 1] }],
  ["or", { params: ["value"], variadic: "value", call: (a) => a[a.length - 1] }],
  ["not", { params: ["value"], call: (a) => !isTrue(a[0]) }],
  ["len", { params: ["value"], call: (a) => length(a[0]) }],
  ["index", { params: ["value"], variadic: "value", call: (a) => index(a[0], ...a.slice(1)) }],
  ["slice", { params: ["value"], variadic: "value", call: (a) => slice(a[0], ...a.slice(1)) }],
  ["call", { params: ["value"], variadic: "value", call: (a) => call(a[0], ...a.slice(1)) }],
  ["print", { params: [], variadic: "any", call: (a) => sprint(a) }],
  ["println", { params: [], variadic: "any", call: (a) => sprintln(a) }],
  ["printf", { params: ["string"], variadic: "any", call: (a) => sprintf(a[0] as string, a.slice(1)) }],
  ["html", { params: [], variadic: "any", call: (a) => htmlEscape(evalArgs(a)) }],
  ["js", { params: [], variadic: "any", call: (a) => jsEscape(evalArgs(a)) }],
  ["urlquery", { params: [], variadic: "any", call: (a) => queryEscape(evalArgs(a)) }],
  ["eq", { params: ["value"], variadic: "value", call: (a) => eq(a[0], ...a.slice(1)) }],
  ["ne", { params: ["value", "value"], call: (a) => !eq(a[0], a[1]) }],
  ["lt", { params: ["value", "value"], call: (a) => lt(a[0], a[1]) }],
  ["le", { params: ["value", "value"], call: (a) => le(a[0], a[1]) }],
  ["gt", { params: ["value", "value"], call: (a) => !le(a[0], a[1]) }],
  ["ge", { params: ["value", "value"], call: (a) => !lt(a[0], a[1]) }],
]);
