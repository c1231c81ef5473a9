/**
 * A small lossless JSON reader for template test data: an integer literal (no `.`, `e`, `E`) that fits
 * int64 becomes a `bigint` (Go int64), every other number a `number` (float64, so `2.0` stays a float);
 * objects become null-prototype plain objects (Go maps), arrays lists, `null` nil.
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;

/** Parses one JSON text. Throws SyntaxError on malformed input. */
export function parseJsonLossless(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const fail = (): never => {
    throw new SyntaxError(`Bad JSON at offset ${i}`);
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const o: Record<string, unknown> = Object.create(null);
      ws();
      if (text[i] === "}") {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const k = str();
        ws();
        if (text[i++] !== ":") fail();
        o[k] = value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i++] !== "}") fail();
        return o;
      }
    }
    if (c === "[") {
      i++;
      const a: unknown[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i++] !== "]") fail();
        return a;
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) return (i += 4), true;
    if (text.startsWith("false", i)) return (i += 5), false;
    if (text.startsWith("null", i)) return (i += 4), null;
    const m = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
    if (m![1] === undefined && m![2] === undefined) {
      const b = BigInt(m![0]);
      if (b >= MIN_I64 && b <= MAX_I64) return b;
    }
    return Number(m![0]);
  };
  const str = (): string => {
    // Find the closing quote, then let JSON.parse decode the escapes.
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
    if (j >= text.length) fail();
    // Go's decoder turns an unpaired surrogate escape into U+FFFD.
    const s = (JSON.parse(text.slice(i, j + 1)) as string).replace(LONE_SURROGATE, "\ufffd");
    i = j + 1;
    return s;
  };
  const v = value();
  ws();
  if (i !== text.length) fail();
  return v;
}
