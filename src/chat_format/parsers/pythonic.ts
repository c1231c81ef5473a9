/**
 * Pythonic calls: LFM2 writes `<|tool_call_start|>[name(k='v', n=1), …]<|tool_call_end|>`, Olmo 3
 * `<function_calls>name(k="v")\n…</function_calls>`; arguments are Python literals (quoted strings either
 * way, lists, dicts, True/False/None).
 * @module
 */
import type { FormatToolCall, OutputSyntax } from "../types.ts";
import { taggedSyntax, THINK_TAGS } from "./tagged.ts";

/** A small reader of Python literals and calls; throws SyntaxError on anything else. */
class PyReader {
  i = 0;
  constructor(readonly s: string) {}
  ws() {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }
  eat(c: string): boolean {
    this.ws();
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }
  expect(c: string) {
    if (!this.eat(c)) throw new SyntaxError(`expected ${c} at ${this.i}`);
  }
  ident(): string {
    this.ws();
    const m = /^[A-Za-z_][\w.-]*/.exec(this.s.slice(this.i));
    if (!m) throw new SyntaxError(`expected a name at ${this.i}`);
    this.i += m[0].length;
    return m[0];
  }
  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === "'" || c === '"') return this.string(c);
    if (c === "[" || c === "(") {
      const close = c === "[" ? "]" : ")";
      this.i++;
      const items: unknown[] = [];
      while (!this.eat(close)) {
        items.push(this.value());
        if (!this.eat(",")) {
          this.expect(close);
          break;
        }
      }
      return items;
    }
    if (c === "{") {
      this.i++;
      const obj: Record<string, unknown> = {};
      while (!this.eat("}")) {
        const k = String(this.value());
        this.expect(":");
        obj[k] = this.value();
        if (!this.eat(",")) {
          this.expect("}");
          break;
        }
      }
      return obj;
    }
    const m = /^(True|False|None|true|false|null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(this.s.slice(this.i));
    if (!m) throw new SyntaxError(`unexpected ${c} at ${this.i}`);
    this.i += m[0].length;
    const word = m[0];
    if (word === "True" || word === "true") return true;
    if (word === "False" || word === "false") return false;
    if (word === "None" || word === "null") return null;
    return Number(word);
  }
  string(q: string): string {
    let out = "";
    for (this.i++; this.i < this.s.length; this.i++) {
      const c = this.s[this.i];
      if (c === q) {
        this.i++;
        return out;
      }
      if (c === "\\") {
        const n = this.s[++this.i];
        out += n === "n" ? "\n" : n === "t" ? "\t" : n;
      } else out += c;
    }
    throw new SyntaxError("unterminated string");
  }
  call(): FormatToolCall {
    const name = this.ident();
    this.expect("(");
    const args: Record<string, unknown> = {};
    while (!this.eat(")")) {
      const k = this.ident();
      this.expect("=");
      args[k] = this.value();
      if (!this.eat(",")) {
        this.expect(")");
        break;
      }
    }
    return { name, arguments: args };
  }
}

/** `[f(a=1), g(b='x')]` (brackets optional) as calls, or null. */
export function pythonicBody(body: string): FormatToolCall[] | null {
  try {
    const r = new PyReader(body.trim());
    const bracket = r.eat("[");
    const calls: FormatToolCall[] = [];
    // Calls are separated by commas (LFM2's list) or by newlines (Olmo 3).
    for (;;) {
      r.ws();
      if (r.i >= r.s.length || (bracket && r.s[r.i] === "]")) break;
      calls.push(r.call());
      r.eat(",");
    }
    if (bracket) r.expect("]");
    r.ws();
    return r.i === r.s.length && calls.length ? calls : null;
  } catch {
    return null;
  }
}

/** Olmo 3: pythonic calls in `<function_calls>…</function_calls>`. */
export const olmo3: OutputSyntax = {
  thinking: THINK_TAGS,
  tools: taggedSyntax(["<function_calls>"], "</function_calls>", pythonicBody),
};

/** The LFM2 syntax. */
export const lfm2: OutputSyntax = {
  thinking: THINK_TAGS,
  tools: taggedSyntax(["<|tool_call_start|>"], "<|tool_call_end|>", pythonicBody),
};
