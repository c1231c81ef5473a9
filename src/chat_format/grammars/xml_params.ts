/**
 * Formats that write each argument as its own tagged value rather than one JSON object: Qwen3-Coder /
 * Qwen 3.5 / Nemotron 3 (`<tool_call>\n<function=NAME>\n<parameter=K>\nV\n</parameter>\n</function>\n
 * </tool_call>`) and GLM 4.5+ (`<tool_call>NAME\n<arg_key>K</arg_key>\n<arg_value>V</arg_value>\n</tool_call>`).
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

/** How one parameter is written: its key and value around the value's grammar. */
interface ParamStyle {
  open(key: string): string;
  /** The text that ends a bare-text value. */
  close: string;
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
  const one = (key: string) =>
    `${style.open(key)} ${value(g, properties[key], `${tool.function.name}-${key}`, style.close)} ${lit(style.close)}`;
  const keys = Object.keys(properties);
  if (keys.length === 0) {
    const any = g.rule(`${tool.function.name}-any`, `${style.anyKey} ${g.rule("free-text", until(style.close))} ${lit(style.close)}`);
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
    const body = params(g, t, { ...style, open: (key) => `"\\n"? ${style.open(key)}` });
    return `${lit(`<tool_call>${t.function.name}`)} ${body} "\\n"? ${lit("</tool_call>")}`;
  });
  return g.build(`${thinkingFirst("<think>", "</think>", options)}${repeated(call, options, `"\\n"?`)}`);
}
