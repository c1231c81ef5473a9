/**
 * Pythonic calls: LFM2 `<|tool_call_start|>[NAME(k='v', n=1), …]<|tool_call_end|>`, Olmo 3
 * `<function_calls>NAME(k="v")\n…</function_calls>`. Arguments are Python literals following each tool's
 * schema: strings in either quotes, numbers, True/False/None, lists, dicts with quoted keys (in schema
 * order, as models write them). Thinking in `<think>` first.
 * @module
 */
import type { Tool } from "../../prompt/mod.ts";
import {
  argumentSchema,
  forcedTools,
  GrammarBuilder,
  lit,
  members,
  perTool,
  thinkingFirst,
  type ToolGrammarOptions,
} from "./tool_grammar.ts";

type Schema = Record<string, unknown>;
const SEP = `"," " "?`;

/** Python literal values as GBNF rules in one grammar. */
class PyValues {
  readonly #g: GrammarBuilder;
  #string?: string;
  #any?: string;

  constructor(g: GrammarBuilder) {
    this.#g = g;
  }

  get string(): string {
    return this.#string ??= this.#g.rule(
      "py-string",
      `"'" ([^'\\\\] | "\\\\" [^\\n])* "'" | "\\"" ([^"\\\\] | "\\\\" [^\\n])* "\\""`,
    );
  }

  /** Any literal (a schema that says nothing). */
  get any(): string {
    const string = this.string;
    return this.#any ??= this.#g.rule("py-any", (self) =>
      `${string} | "-"? [0-9]+ ("." [0-9]+)? | "True" | "False" | "None" | "[" (${self} (${SEP} ${self})*)? "]" | "{" (${string} ":" " "? ${self} (${SEP} ${string} ":" " "? ${self})*)? "}"`);
  }

  value(schema: Schema | undefined, hint: string): string {
    if (!schema || typeof schema !== "object") return this.any;
    if (Array.isArray(schema.enum)) {
      const one = (v: unknown) => typeof v === "string" ? `(${lit(`'${v}'`)} | ${lit(JSON.stringify(v))})` : lit(JSON.stringify(v));
      return `(${schema.enum.map(one).join(" | ")})`;
    }
    switch (schema.type) {
      case "string":
        return this.string;
      case "integer":
        return `("-"? [0-9]{1,16})`;
      case "number":
        return `("-"? [0-9]{1,16} ("." [0-9]{1,16})?)`;
      case "boolean":
        return `("True" | "False")`;
      case "null":
        return `"None"`;
      case "array": {
        const item = this.value(schema.items as Schema | undefined, `${hint}-item`);
        return this.#g.rule(`${hint}-list`, `"[" (${item} (${SEP} ${item})*)? "]"`);
      }
      default:
        return schema.type === "object" || schema.properties ? this.dict(schema, hint) : this.any;
    }
  }

  /** A dict with the schema's keys quoted either way. */
  dict(schema: Schema, hint: string): string {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const keys = Object.keys(properties);
    if (keys.length === 0) return this.any;
    const required = new Set(Array.isArray(schema.required) ? schema.required as string[] : []);
    const pair = (k: string) => `(${lit(`'${k}'`)} | ${lit(JSON.stringify(k))}) ":" " "? ${this.value(properties[k], `${hint}-${k}`)}`;
    return this.#g.rule(`${hint}-dict`, `"{" ${members(keys, required, pair, SEP)} "}"`);
  }

  /** A call's keyword arguments, `k=v, …`. */
  keywords(tool: Tool): string {
    const schema = argumentSchema(tool) as Schema;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const keys = Object.keys(properties);
    const name = tool.function.name;
    if (keys.length === 0) {
      const any = `[A-Za-z_] [A-Za-z0-9_]* "=" ${this.any}`;
      return `(${any} (${SEP} ${any})*)?`;
    }
    const required = new Set(Array.isArray(schema.required) ? schema.required as string[] : []);
    return members(keys, required, (k) => `${lit(`${k}=`)} ${this.value(properties[k], `${name}-${k}`)}`, SEP);
  }
}

/** The pythonic forcing grammar; `olmo` for Olmo 3's `<function_calls>` lines, else LFM2's list. */
export function pythonicGrammar(tools: readonly Tool[], options: ToolGrammarOptions, olmo: boolean): string {
  const g = new GrammarBuilder();
  const values = new PyValues(g);
  const call = perTool(g, forcedTools(tools, options), (t) => `${lit(`${t.function.name}(`)} ${values.keywords(t)} ")"`);
  const think = thinkingFirst("<think>", "</think>", options);
  if (olmo) {
    const more = options.parallel ? ` ("\\n" ${call})*` : "";
    return g.build(`${think}${lit("<function_calls>")} "\\n"? ${call}${more} "\\n"? ${lit("</function_calls>")}`);
  }
  const more = options.parallel ? ` (${SEP} ${call})*` : "";
  return g.build(`${think}${lit("<|tool_call_start|>[")} ${call}${more} ${lit("]<|tool_call_end|>")}`);
}
