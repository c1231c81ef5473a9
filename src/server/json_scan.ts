/**
 * Finds the end of the first JSON value in a text, or the error Go's encoding/json would report for it. Ollama
 * decodes bodies with a json.Decoder: only the first value is read (trailing bytes are ignored) and a syntax error
 * reads `invalid character 'x' looking for beginning of value`, a cut body `unexpected EOF`. Clients and tests
 * match on those words, so the server speaks them on both runtimes (whose JSON.parse messages differ).
 * @module
 */

/** Result of scanning: the index just past the first value, or Go's message for the first error. */
export type ScanResult = { end: number } | { error: string };

function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const quoted = JSON.stringify(c).slice(1, -1);
  return `'${quoted}'`;
}

/** Scans the first JSON value of `text` (leading whitespace allowed). */
export function scanJsonValue(text: string): ScanResult {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\r\n".includes(text[i])) i++;
  };
  const fail = (context: string): never => {
    if (i >= text.length) throw new ScanError("unexpected EOF");
    throw new ScanError(`invalid character ${quoteChar(text[i])} ${context}`);
  };
  const literal = (word: string) => {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (text[i] !== word[k]) fail(`in literal ${word} (expecting ${quoteChar(word[k])})`);
    }
    i++;
  };
  const string = () => {
    i++; // opening quote
    while (true) {
      if (i >= text.length) fail("");
      const c = text[i];
      if (c === '"') return void i++;
      if (c < " ") fail("in string literal");
      if (c === "\\") {
        i++;
        const e = text[i];
        if (e === "u") {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(text[i] ?? "")) fail("in \\u hexadecimal character escape");
          }
        } else if (e === undefined || !`"\\/bfnrt`.includes(e)) fail("in string escape code");
      }
      i++;
    }
  };
  const digits = () => {
    while (/[0-9]/.test(text[i] ?? "")) i++;
  };
  const number = () => {
    if (text[i] === "-") {
      i++;
      if (!/[0-9]/.test(text[i] ?? "")) fail("in numeric literal");
    }
    if (text[i] === "0") i++;
    else digits();
    if (text[i] === ".") {
      i++;
      if (!/[0-9]/.test(text[i] ?? "")) fail("after decimal point in numeric literal");
      digits();
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (!/[0-9]/.test(text[i] ?? "")) fail("in exponent of numeric literal");
      digits();
    }
  };
  const value = (depth: number): void => {
    if (depth > 10_000) throw new ScanError("exceeded max depth");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      while (true) {
        if (text[i] !== '"') fail("looking for beginning of object key string");
        string();
        ws();
        if (text[i] !== ":") fail("after object key");
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          ws();
          continue;
        }
        if (text[i] === "}") return void i++;
        fail("after object key:value pair");
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      while (true) {
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") return void i++;
        fail("after array element");
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    fail("looking for beginning of value");
  };
  try {
    value(0);
    return { end: i };
  } catch (error) {
    if (error instanceof ScanError) return { error: error.message };
    throw error;
  }
}

class ScanError extends Error {}
