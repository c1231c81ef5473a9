/**
 * Lexer for Go text/template: turns template text into items, following the states of Go's
 * `text/template/parse/lex.go` (text, left delimiter with trim marker, comment, inside action).
 * Positions are UTF-16 offsets into the text.
 */

import { isPrint } from "./strconv.ts";
import { isAlnumNonAscii } from "./unicode_tables.ts";

/** Item kinds. Keywords come after `Keyword`. */
export const enum T {
  Error,
  Bool,
  Char,
  CharConstant,
  Comment,
  Complex,
  Assign,
  Declare,
  EOF,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  Keyword,
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Range,
  Nil,
  Template,
  With,
}

/** One lexed item. */
export interface Item {
  typ: T;
  pos: number;
  val: string;
  line: number;
}

const KEYWORDS: Record<string, T> = {
  ".": T.Dot,
  block: T.Block,
  break: T.Break,
  continue: T.Continue,
  define: T.Define,
  else: T.Else,
  end: T.End,
  if: T.If,
  range: T.Range,
  nil: T.Nil,
  template: T.Template,
  with: T.With,
};

const LEFT = "{{";
const RIGHT = "}}";

/** Go's isSpace for templates: only space, tab, CR, LF. */
export function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n";
}

function isAlphaNumeric(c: string): boolean {
  if (c === "") return false;
  const code = c.charCodeAt(0);
  if (code < 128) {
    return c === "_" || (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  }
  return isAlnumNonAscii(c.codePointAt(0)!);
}

function rightTrimLength(s: string): number {
  let n = s.length;
  while (n > 0 && isSpace(s[n - 1])) n--;
  return s.length - n;
}

function leftTrimLength(s: string, from: number): number {
  let i = from;
  while (i < s.length && isSpace(s[i])) i++;
  return i - from;
}

/** Lexes the whole input into an array of items (ends with EOF or Error). */
export function lex(input: string): Item[] {
  const items: Item[] = [];
  let start = 0;
  let pos = 0;
  let startLine = 1;
  let parenDepth = 0;

  const emit = (typ: T) => {
    items.push({ typ, pos: start, val: input.slice(start, pos), line: startLine });
    startLine += countNewlines(input, start, pos);
    start = pos;
  };
  const ignore = () => {
    startLine += countNewlines(input, start, pos);
    start = pos;
  };
  const fail = (msg: string): false => {
    items.push({ typ: T.Error, pos: start, val: msg, line: startLine });
    return false;
  };
  // Reads one code point (as a JS string, possibly a surrogate pair); "" at EOF.
  const next = (): string => {
    if (pos >= input.length) {
      pos = input.length + 1;
      return "";
    }
    const cp = input.codePointAt(pos)!;
    const ch = cp > 0xffff ? input.slice(pos, pos + 2) : input[pos];
    pos += ch.length;
    return ch;
  };
  const backup = (ch: string) => {
    if (ch === "") {
      pos = input.length;
      return;
    }
    pos -= ch.length;
  };
  const peek = (): string => {
    const ch = next();
    backup(ch);
    return ch;
  };
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (
      pos + 1 < input.length && isSpace(input[pos]) && input[pos + 1] === "-" && input.startsWith(RIGHT, pos + 2)
    ) return { delim: true, trim: true };
    return { delim: input.startsWith(RIGHT, pos), trim: false };
  };
  const atTerminator = (): boolean => {
    const c = peek();
    if (c === "" || isSpace(c)) return true;
    if (c === "." || c === "," || c === "|" || c === ":" || c === ")" || c === "(") return true;
    return input.startsWith(RIGHT, pos);
  };
  const hasLeftTrimMarker = (at: number) => input[at] === "-" && at + 1 < input.length && isSpace(input[at + 1]);

  // Text until the next "{{"; returns false at EOF.
  const lexText = (): boolean => {
    const x = input.indexOf(LEFT, pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) emit(T.Text);
      items.push({ typ: T.EOF, pos, val: "", line: startLine });
      return false;
    }
    if (x > pos || x > start) {
      pos = x;
      let trim = 0;
      if (hasLeftTrimMarker(x + LEFT.length)) trim = rightTrimLength(input.slice(start, pos));
      pos -= trim;
      if (pos > start) emit(T.Text);
      pos += trim;
      ignore();
    }
    return true;
  };

  const lexComment = (): boolean => {
    pos += 2;
    const x = input.indexOf("*/", pos);
    if (x < 0) return fail("unclosed comment");
    pos = x + 2;
    const { delim, trim } = atRightDelim();
    if (!delim) return fail("comment ends before closing delimiter");
    emit(T.Comment);
    if (trim) pos += 2;
    pos += RIGHT.length;
    if (trim) pos += leftTrimLength(input, pos);
    ignore();
    return true;
  };

  const lexQuoted = (quote: string, what: string): boolean => {
    for (;;) {
      const c = next();
      if (c === "\\" && quote !== "`") {
        const r = next();
        if (r !== "" && r !== "\n") continue;
        return fail(`unterminated ${what}`);
      }
      if (c === "" || (c === "\n" && quote !== "`")) return fail(`unterminated ${what}`);
      if (c === quote) return true;
    }
  };

  const accept = (valid: string): boolean => {
    const c = next();
    if (c !== "" && valid.includes(c)) return true;
    backup(c);
    return false;
  };
  const acceptRun = (valid: string) => {
    for (;;) {
      const c = next();
      if (c === "" || !valid.includes(c)) {
        backup(c);
        return;
      }
    }
  };
  const scanNumber = (): boolean => {
    accept("+-");
    let digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (accept("oO")) digits = "01234567_";
      else if (accept("bB")) digits = "01_";
    }
    acceptRun(digits);
    if (accept(".")) acceptRun(digits);
    if (digits.length === 11 && accept("eE")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (digits.length === 23 && accept("pP")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    accept("i");
    if (isAlphaNumeric(peek())) {
      next();
      return false;
    }
    return true;
  };

  const lexFieldOrVariable = (typ: T): boolean => {
    if (atTerminator()) {
      emit(typ === T.Variable ? T.Variable : T.Dot);
      return true;
    }
    let c: string;
    for (;;) {
      c = next();
      if (!isAlphaNumeric(c)) {
        backup(c);
        break;
      }
    }
    if (!atTerminator()) return fail(`bad character ${goRuneName(c)}`);
    emit(typ);
    return true;
  };

  // Inside an action, until the right delimiter; returns false on error.
  const lexInside = (): boolean => {
    for (;;) {
      const { delim, trim } = atRightDelim();
      if (delim) {
        if (parenDepth !== 0) return fail("unclosed left paren");
        if (trim) {
          pos += 2;
          ignore();
        }
        pos += RIGHT.length;
        emit(T.RightDelim);
        if (trim) {
          pos += leftTrimLength(input, pos);
          ignore();
        }
        return true;
      }
      const c = next();
      if (c === "") return fail("unclosed action");
      if (isSpace(c)) {
        backup(c);
        let n = 0;
        while (isSpace(peek())) {
          next();
          n++;
        }
        // " -}}": the space belongs to the trim marker.
        if (
          input[pos - 1] !== undefined && isSpace(input[pos - 1]) && input[pos] === "-" &&
          input.startsWith(RIGHT, pos + 1)
        ) {
          backup(input[pos - 1]);
          if (n === 1) continue;
        }
        emit(T.Space);
        continue;
      }
      switch (c) {
        case "=":
          emit(T.Assign);
          continue;
        case ":":
          if (next() !== "=") return fail("expected :=");
          emit(T.Declare);
          continue;
        case "|":
          emit(T.Pipe);
          continue;
        case '"':
          if (!lexQuoted('"', "quoted string")) return false;
          emit(T.String);
          continue;
        case "`":
          if (!lexQuoted("`", "raw quoted string")) return false;
          emit(T.RawString);
          continue;
        case "$":
          if (!lexFieldOrVariable(T.Variable)) return false;
          continue;
        case "'":
          if (!lexQuoted("'", "character constant")) return false;
          emit(T.CharConstant);
          continue;
        case "(":
          emit(T.LeftParen);
          parenDepth++;
          continue;
        case ")":
          emit(T.RightParen);
          parenDepth--;
          if (parenDepth < 0) return fail("unexpected right paren U+0029 ')'");
          continue;
      }
      if (c === ".") {
        const d = input[pos];
        if (pos < input.length && (d < "0" || d > "9")) {
          if (!lexFieldOrVariable(T.Field)) return false;
          continue;
        }
      }
      if (c === "." || c === "+" || c === "-" || (c >= "0" && c <= "9")) {
        backup(c);
        if (!scanNumber()) return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
        const sign = peek();
        if (sign === "+" || sign === "-") {
          if (!scanNumber() || input[pos - 1] !== "i") {
            return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
          }
          emit(T.Complex);
        } else emit(T.Number);
        continue;
      }
      if (isAlphaNumeric(c)) {
        let r: string;
        for (;;) {
          r = next();
          if (!isAlphaNumeric(r)) {
            backup(r);
            break;
          }
        }
        if (!atTerminator()) return fail(`bad character ${goRuneName(r)}`);
        const word = input.slice(start, pos);
        const kw = KEYWORDS[word];
        if (kw !== undefined && Object.hasOwn(KEYWORDS, word)) emit(kw);
        else if (word === "true" || word === "false") emit(T.Bool);
        else emit(T.Identifier);
        continue;
      }
      const code = c.codePointAt(0)!;
      if (code < 128 && code >= 0x20 && code !== 0x7f) {
        emit(T.Char);
        continue;
      }
      return fail(`unrecognized character in action: ${goRuneName(c)}`);
    }
  };

  for (;;) {
    if (!lexText()) return items;
    // At "{{".
    pos += LEFT.length;
    const trim = hasLeftTrimMarker(pos);
    const after = trim ? 2 : 0;
    if (input.startsWith("/*", pos + after)) {
      pos += after;
      ignore();
      if (!lexComment()) return items;
      continue;
    }
    emit(T.LeftDelim);
    pos += after;
    ignore();
    parenDepth = 0;
    if (!lexInside()) return items;
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf("\n", from); i >= 0 && i < to; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/** Go's %#U of a rune, for messages. */
export function goRuneName(c: string): string {
  if (c === "") return "EOF";
  const cp = c.codePointAt(0)!;
  const name = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return isPrint(cp) ? `${name} '${c}'` : name;
}
