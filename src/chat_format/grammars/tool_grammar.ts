/**
 * What every format's forcing grammar is built from: GBNF literals, "any text up to a marker" (a thinking
 * block, a bare-text parameter), the tools' argument rules from their JSON schemas, and the thinking a
 * format lets the model write before the call (or must close, where the prompt opened it).
 * @module
 */
import type { Tool } from "../../prompt/mod.ts";
import { type JsonSchema, SchemaRules } from "./json_schema_gbnf.ts";

/** How a forced call is asked for. */
export interface ToolGrammarOptions {
  /** Force this tool (OpenAI's named function, Anthropic's `tool`); else any of the tools (`required`/`any`). */
  name?: string;
  /** One or more calls (parallel tool calls allowed), else exactly one. */
  parallel?: boolean;
  /** The request thinks: the model may think before the call, as the format writes thinking. */
  think?: boolean;
  /** The rendered prompt: a generation prompt that opened a thinking block must see it closed first. */
  prompt?: string;
}

/** A GBNF string literal for `text`. */
export function lit(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t")}"`;
}

function charClassEscape(ch: string): string {
  if (ch === "\n") return "\\n";
  if (ch === "\r") return "\\r";
  if (ch === "\t") return "\\t";
  return /[\]\\^-]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * Any text that does not run into `marker` (a thinking block up to its closing tag, a bare-text value up
 * to its end tag): each character that is no start of `marker`, or a start of it that then goes astray.
 */
export function until(marker: string): string {
  const chars = [...marker];
  const alternatives: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const prefix = i === 0 ? "" : `${lit(chars.slice(0, i).join(""))} `;
    alternatives.push(`${prefix}[^${charClassEscape(chars[i])}]`);
  }
  return `(${alternatives.join(" | ")})*`;
}

/** Whether `prompt` ends inside an open `open` block (a generation prompt ending in `<think>`). */
export function promptOpens(prompt: string | undefined, open: string): boolean {
  if (!prompt) return false;
  const at = prompt.lastIndexOf(open);
  return at >= 0 && prompt.slice(at + open.length).trim() === "";
}

/**
 * The thinking allowed before the call, for formats that tag it (`<think>…</think>`, `[THINK]…[/THINK]`):
 * where the prompt opened the block, its rest and the closing tag come first (the model is already in it);
 * where the request thinks, an optional block; else none, and the call opens the reply (as llama.cpp does
 * with thinking off).
 */
export function thinkingFirst(open: string, close: string, options: ToolGrammarOptions): string {
  if (promptOpens(options.prompt, open)) return `${until(close)} ${lit(close)} [\\n]{0,3} `;
  if (options.think) return `("\\n"? ${lit(open)} ${until(close)} ${lit(close)} [\\n]{0,3})? `;
  return "";
}

/** The tools a forced call may name: the named one, else all. */
export function forcedTools(tools: readonly Tool[], options: ToolGrammarOptions): Tool[] {
  if (tools.length === 0) throw new RangeError("a forced tool call needs at least one tool");
  if (options.name === undefined) return [...tools];
  const named = tools.filter((t) => t.function.name === options.name);
  if (named.length === 0) throw new RangeError(`tool_choice names an unknown function "${options.name}"`);
  return named;
}

/** A tool's argument schema: its parameters, an object with any members where it declares none. */
export function argumentSchema(tool: Tool): JsonSchema {
  const parameters = tool.function.parameters as Record<string, unknown> | undefined;
  if (!parameters || Object.keys(parameters).length === 0) return { type: "object" };
  return parameters.type === undefined ? { type: "object", ...parameters } : parameters;
}

/**
 * One grammar under construction: rules added by name, the tools' argument rules from their schemas, and
 * `root` written last.
 */
export class GrammarBuilder {
  readonly #rules: string[] = [];
  readonly #schemas = new SchemaRules();
  #count = 0;

  /** Adds `name ::= body` and returns `name` (made unique); `body` may be given its own name (a recursive rule). */
  rule(name: string, body: string | ((self: string) => string)): string {
    const unique = `g-${name.replace(/[^a-zA-Z0-9]+/g, "-").toLowerCase()}-${this.#count++}`;
    this.#rules.push(`${unique} ::= ${typeof body === "string" ? body : body(unique)}`);
    return unique;
  }

  /** The rule accepting `schema`'s JSON documents. */
  json(schema: JsonSchema, hint: string): string {
    return this.#schemas.add(schema, `s-${hint}`);
  }

  /** The arguments of `tool` as JSON valid against its schema (no whitespace after it: that would be content). */
  arguments(tool: Tool): string {
    return this.#schemas.addTrimmed(argumentSchema(tool), `s-${tool.function.name}-args`);
  }

  /** The grammar text with `root ::= rootBody`. */
  build(rootBody: string): string {
    return [`root ::= ${rootBody}`, ...this.#rules, ...this.#schemas.lines()].join("\n") + "\n";
  }
}

/**
 * Members in the given order, the required ones always and each optional one or not, `separator` (GBNF)
 * only between those written; with no required member, any ordered subset.
 */
export function members(keys: readonly string[], required: ReadonlySet<string>, pair: (key: string) => string, separator: string): string {
  const first = keys.findIndex((k) => required.has(k));
  if (first < 0) {
    const starts = keys.map((k, i) => [pair(k), ...keys.slice(i + 1).map((q) => `(${separator} ${pair(q)})?`)].join(" "));
    return `(${starts.map((s) => `(${s})`).join(" | ")})?`;
  }
  return [
    ...keys.slice(0, first).map((k) => `(${pair(k)} ${separator})?`),
    pair(keys[first]),
    ...keys.slice(first + 1).map((k) => required.has(k) ? `${separator} ${pair(k)}` : `(${separator} ${pair(k)})?`),
  ].join(" ");
}

/** `one` once, or (parallel) one or more times with `separator` between. */
export function repeated(one: string, options: ToolGrammarOptions, separator = ""): string {
  if (!options.parallel) return one;
  return `${one} (${separator ? `${separator} ` : ""}${one})*`;
}

/** Alternatives, one per tool: `each(tool)` is the GBNF of that tool's call. */
export function perTool(g: GrammarBuilder, tools: readonly Tool[], each: (tool: Tool) => string): string {
  return g.rule("call", tools.map((t) => g.rule(`call-${t.function.name}`, each(t))).join(" | "));
}
