/**
 * Formats that write each argument as its own tagged value rather than one JSON object: Qwen3-Coder /
 * Qwen 3.5 / Nemotron 3 (`<tool_call>\n<function=NAME>\n<parameter=K>\nV\n</parameter>\n</function>\n
 * </tool_call>`), GLM 4.5+ (`<tool_call>NAME\n<arg_key>K</arg_key>\n<arg_value>V</arg_value>\n</tool_call>`),
 * MiniMax M2 (`<invoke name=…><parameter name=…>`), DeepSeek V4 DSML and Hunyuan 3 (`:opensource` pairs).
 * A string parameter is bare text up to its end tag (an enum: one of its values), any other its JSON; the
 * required parameters come in schema order, then each optional one or not. Thinking in `<think>` first.
 * @module
 */
import type { Tool } from "../../prompt/mod.ts";
import {
  argumentSchema,
  forcedTools,
  GrammarBuilder,
  lit,
  perTool,
  repeated,
  thinkingFirst,
  type ToolGrammarOptions,
  until,
} from "./tool_grammar.ts";

type Schema = Record<string, unknown>;

/** How one parameter is written: the GBNF before its value, the text that ends a bare value, what follows it. */
interface ParamStyle {
  open(key: string, schema: Schema | undefined): string;
  /** The text that ends a bare-text value (written after every value). */
  close: string;
  /** Written after `close` (a newline between parameters). */
  after?: string;
  /** A parameter the schema does not list (free-form objects): any key. */
  anyKey: string;
}

function value(g: GrammarBuilder, schema: Schema | undefined, hint: string, close: string): string {
  if (schema && schema.type === "string" && schema.const === undefined) {
    if (Array.isArray(schema.enum)) return `(${schema.enum.map((v) => lit(String(v))).join(" | ")})`;
    return g.rule(`${hint}-text`, until(close));
  }
  if (!schema || Object.keys(schema).length === 0) return g.rule(`${hint}-text`, until(close));
  return g.json(schema, hint);
}

function params(g: GrammarBuilder, tool: Tool, style: ParamStyle): string {
  const schema = argumentSchema(tool) as Schema;
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set(Array.isArray(schema.required) ? schema.required as string[] : []);
  const end = `${lit(style.close + (style.after ?? ""))}`;
  const one = (key: string) =>
    `${style.open(key, properties[key])} ${value(g, properties[key], `${tool.function.name}-${key}`, style.close)} ${end}`;
  const keys = Object.keys(properties);
  if (keys.length === 0) {
    const any = g.rule(`${tool.function.name}-any`, `${style.anyKey} ${g.rule("free-text", until(style.close))} ${end}`);
    return `${any}*`;
  }
  return [
    ...keys.filter((k) => required.has(k)).map(one),
    ...keys.filter((k) => !required.has(k)).map((k) => `(${one(k)})?`),
  ].join(" ");
}

/** The Qwen3-Coder forcing grammar. */
export function qwen3CoderGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const style: ParamStyle = {
    open: (key) => lit(`<parameter=${key}>\n`),
    close: "\n</parameter>\n",
    anyKey: `"<parameter=" [^>\\n]+ ">\\n"`,
  };
  const call = perTool(g, forcedTools(tools, options), (t) =>
    `${lit(`<tool_call>\n<function=${t.function.name}>\n`)} ${params(g, t, style)} ${lit("</function>\n</tool_call>")}`);
  // Nemotron 3 ends its calls with a newline
  return g.build(`${thinkingFirst("<think>", "</think>", options)}${repeated(call, options, `"\\n"?`)} "\\n"?`);
}

/** The GLM 4.5+ forcing grammar. */
export function glmGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const style: ParamStyle = {
    open: (key) => `${lit(`<arg_key>${key}</arg_key>`)} "\\n"? ${lit("<arg_value>")}`,
    close: "</arg_value>",
    anyKey: `"<arg_key>" [^<]+ "</arg_key>" "\\n"? "<arg_value>"`,
  };
  const call = perTool(g, forcedTools(tools, options), (t) => {
    const body = params(g, t, { ...style, open: (key, schema) => `"\\n"? ${style.open(key, schema)}` });
    return `${lit(`<tool_call>${t.function.name}`)} ${body} "\\n"? ${lit("</tool_call>")}`;
  });
  return g.build(`${thinkingFirst("<think>", "</think>", options)}${repeated(call, options, `"\\n"?`)}`);
}

/** MiniMax M2: `<minimax:tool_call>\n<invoke name="NAME">\n<parameter name="K">V</parameter>\n</invoke>\n</minimax:tool_call>`. */
export function minimaxM2Grammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const style: ParamStyle = {
    open: (key) => lit(`<parameter name="${key}">`),
    close: "</parameter>",
    after: "\n",
    anyKey: `"<parameter name=\\"" [^"]+ "\\">"`,
  };
  const call = perTool(g, forcedTools(tools, options), (t) =>
    `${lit(`<invoke name="${t.function.name}">\n`)} ${params(g, t, style)} ${lit("</invoke>\n")}`);
  return g.build(
    `${thinkingFirst("<think>", "</think>", options)}${lit("<minimax:tool_call>\n")} ${repeated(call, options)} ${lit("</minimax:tool_call>")}`,
  );
}

/** DeepSeek V4 (DSML): parameters say whether their value is a bare string (`string="true"`) or JSON. */
export function deepseekDsmlGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const D = "｜DSML｜";
  const style: ParamStyle = {
    open: (key, schema) => lit(`<${D}parameter name="${key}" string="${schema?.type === "string" ? "true" : "false"}">`),
    close: `</${D}parameter>`,
    after: "\n",
    anyKey: `${lit(`<${D}parameter name="`)} [^"]+ ${lit(`" string="true">`)}`,
  };
  const call = perTool(g, forcedTools(tools, options), (t) =>
    `${lit(`<${D}invoke name="${t.function.name}">\n`)} ${params(g, t, style)} ${lit(`</${D}invoke>\n`)}`);
  return g.build(
    `${thinkingFirst("<think>", "</think>", options)}${lit(`<${D}tool_calls>\n`)} ${repeated(call, options)} ${lit(`</${D}tool_calls>`)}`,
  );
}

/** Hunyuan 3 (Hy3): GLM-like pairs in `:opensource` tags. */
export function hunyuanGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const S = ":opensource";
  const style: ParamStyle = {
    open: (key) => lit(`<arg_key${S}>${key}</arg_key${S}>\n<arg_value${S}>`),
    close: `</arg_value${S}>`,
    after: "\n",
    anyKey: `${lit(`<arg_key${S}>`)} [^<]+ ${lit(`</arg_key${S}>\n<arg_value${S}>`)}`,
  };
  const call = perTool(g, forcedTools(tools, options), (t) =>
    `${lit(`<tool_call${S}>${t.function.name}<tool_sep${S}>\n`)} ${params(g, t, style)} ${lit(`</tool_call${S}>\n`)}`);
  // its prompt ends with an empty think block, after which the model may still reason up to a closing tag
  const think = options.think ? `(${until(`</think${S}>`)} ${lit(`</think${S}>`)} [\\n]{0,3})? ` : thinkingFirst(`<think${S}>`, `</think${S}>`, options);
  return g.build(`${think}${lit(`<tool_calls${S}>\n`)} ${repeated(call, options)} ${lit(`</tool_calls${S}>`)}`);
}
