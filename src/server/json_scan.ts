/**
 * Finds the end of the first JSON value in a text, or the error Go's encoding/json would report for it. Ollama
 * decodes bodies with a json.Decoder: only the first value is read (trailing bytes are ignored) and a syntax error
 * reads `invalid character 'x' looking for beginning of value`, a cut body `unexpected EOF`. Clients and tests
 * match on those words, so the server speaks them on both runtimes (whose JSON.parse messages differ).
 * @module
 */

/**
 * Go's encoding/json nesting limit (scanner.go `maxNestingDepth`): the 10,001st open `{` or `[` fails with
 * `invalid character '[' exceeded max depth`. Values that passed it may still be nested thousands deep, so code
 * that walks a request value recursively bounds its own depth.
 */
export const MAX_JSON_DEPTH = 10_000;

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
  const scalar = (c: string | undefined): void => {
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    fail("looking for beginning of value");
  };
  const key = () => {
    if (text[i] !== '"') fail("looking for beginning of object key string");
    string();
    ws();
    if (text[i] !== ":") fail("after object key");
    i++;
  };
  // An explicit stack instead of recursion: a body of 100,000 brackets must not exhaust the JS stack, and Go's
  // scanner counts open containers the same way (pushParseState), refusing the 10,001st.
  const open: string[] = [];
  try {
    value: while (true) {
      ws();
      const c = text[i];
      if (c === "{" || c === "[") {
        if (open.length >= MAX_JSON_DEPTH) fail("exceeded max depth");
        i++;
        ws();
        const close = c === "{" ? "}" : "]";
        if (text[i] === close) i++;
        else {
          open.push(close);
          if (close === "}") key();
          continue value;
        }
      } else scalar(c);
      // A value ended: close the containers it ends, or move to the next element.
      while (open.length > 0) {
        ws();
        const close = open[open.length - 1];
        if (text[i] === ",") {
          i++;
          if (close === "}") {
            ws();
            key();
          }
          continue value;
        }
        if (text[i] !== close) fail(close === "}" ? "after object key:value pair" : "after array element");
        i++;
        open.pop();
      }
      return { end: i };
    }
  } catch (error) {
    if (error instanceof ScanError) return { error: error.message };
    throw error;
  }
}

class ScanError extends Error {}
