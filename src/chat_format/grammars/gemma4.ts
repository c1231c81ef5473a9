/**
 * Gemma 4: `<|tool_call>call:NAME{key:value,…}<tool_call|>`, keys bare and in alphabetical order (the
 * template sorts them), strings between `<|"|>` marks with no escaping, numbers, booleans and null as JSON,
 * nested objects and lists in the same notation. The arguments follow each tool's schema in that notation;
 * thinking in `<|channel>thought…<channel|>` first.
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
  repeated,
  thinkingFirst,
  type ToolGrammarOptions,
  until,
} from "./tool_grammar.ts";

type Schema = Record<string, unknown>;
const QUOTE = '<|"|>';

const KEY = `[A-Za-z_] [A-Za-z0-9_]*`;

/** Gemma's notation of values, as GBNF rules in one grammar. */
class GemmaValues {
  readonly #g: GrammarBuilder;
  #any?: string;
  #string?: string;

  constructor(g: GrammarBuilder) {
    this.#g = g;
  }

  get string(): string {
    return this.#string ??= this.#g.rule("gemma-string", `${lit(QUOTE)} ${until(QUOTE)} ${lit(QUOTE)}`);
  }

  /** Any value (a schema that says nothing). */
  get any(): string {
    const string = this.string;
    return this.#any ??= this.#g.rule("gemma-any", (self) =>
      `${string} | "-"? [0-9]+ ("." [0-9]+)? | "true" | "false" | "null" | "{" (${KEY} ":" ${self} ("," ${KEY} ":" ${self})*)? "}" | "[" (${self} ("," ${self})*)? "]"`);
  }

  /** An object with any members. */
  anyObject(): string {
    const any = this.any;
    return this.#g.rule("gemma-object", `"{" (${KEY} ":" ${any} ("," ${KEY} ":" ${any})*)? "}"`);
  }

  value(schema: Schema | undefined, hint: string): string {
    if (!schema || typeof schema !== "object") return this.any;
    if (Array.isArray(schema.enum)) {
      return `(${schema.enum.map((v) => typeof v === "string" ? lit(`${QUOTE}${v}${QUOTE}`) : lit(JSON.stringify(v))).join(" | ")})`;
    }
    switch (schema.type) {
      case "string":
        return this.string;
      case "integer":
        return `("-"? [0-9]{1,16})`;
      case "number":
        return `("-"? [0-9]{1,16} ("." [0-9]{1,16})?)`;
      case "boolean":
        return `("true" | "false")`;
      case "null":
        return `"null"`;
      case "array": {
        const item = this.value(schema.items as Schema | undefined, `${hint}-item`);
        return this.#g.rule(`${hint}-list`, `"[" (${item} ("," ${item})*)? "]"`);
      }
      default:
        return schema.type === "object" || schema.properties ? this.object(schema, hint) : this.any;
    }
  }

  /** An object: its listed keys in alphabetical order, the required ones always, commas between. */
  object(schema: Schema, hint: string): string {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const keys = Object.keys(properties).sort();
    if (keys.length === 0) return this.anyObject();
    const required = new Set(Array.isArray(schema.required) ? schema.required as string[] : []);
    const pair = (k: string) => `${lit(`${k}:`)} ${this.value(properties[k], `${hint}-${k}`)}`;
    const body = members(keys, required, pair, `","`);
    return this.#g.rule(`${hint}-object`, `"{" ${body} "}"`);
  }
}

/** The Gemma 4 forcing grammar. */
export function gemma4Grammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const values = new GemmaValues(g);
  const call = perTool(g, forcedTools(tools, options), (t) => {
    const schema = argumentSchema(t) as Schema;
    const args = values.object(schema, `${t.function.name}-args`);
    return `${lit(`<|tool_call>call:${t.function.name}`)} ${args} ${lit("<tool_call|>")}`;
  });
  return g.build(`${thinkingFirst("<|channel>thought", "<channel|>", options)}${repeated(call, options)}`);
}
