/**
 * Formats whose calls are JSON in a pair of markers: Nemotron Nano 2 `<TOOLCALL>[{"name", "arguments"}, …]
 * </TOOLCALL>`, Apertus `<|tools_prefix|>[{"NAME": {…}}]<|tools_suffix|>`, FireFunction v2 ` functools[{…}]`,
 * Command R7B / Cohere2 `<|START_ACTION|>[{"tool_call_id": "0", "tool_name": …, "parameters": {…}}]<|END_ACTION|>`
 * (thinking in `<|START_THINKING|>…<|END_THINKING|>`), GigaChat 3 (`function call<|role_sep|>\n{…}` or
 * `<|function_call|>{…}`, one call), Functionary v3.1 (`<function=NAME>{…}</function>`), Granite 3.x
 * (`<|tool_call|>[…]`) and Solar Open (`<|tool_calls|><|tool_call:begin|>…`).
 * @module
 */
import type { Tool } from "../../prompt/mod.ts";
import { jsonCallObject } from "./hermes.ts";
import {
  forcedTools,
  GrammarBuilder,
  lit,
  perTool,
  repeated,
  thinkingFirst,
  type ToolGrammarOptions,
} from "./tool_grammar.ts";

/** `[call, call…]` (one call unless parallel), whitespace as models lay lists out. */
function list(call: string, options: ToolGrammarOptions): string {
  const space = `[ \\n]{0,8}`;
  return `"[" ${space} ${call}${options.parallel ? ` ("," ${space} ${call})*` : ""} ${space} "]"`;
}

/** Nemotron Nano 2. */
export function nemotronV2Grammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) => jsonCallObject(g, t));
  return g.build(`${thinkingFirst("<think>", "</think>", options)}${lit("<TOOLCALL>")} ${list(call, options)} ${lit("</TOOLCALL>")}`);
}

/** Apertus: each call an object keyed by the function's name. */
export function apertusGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) => `"{" ${lit(JSON.stringify(t.function.name))} ":" " "? ${g.arguments(t)} "}"`);
  return g.build(`${lit("<|tools_prefix|>")} ${list(call, options)} ${lit("<|tools_suffix|>")}`);
}

/** FireFunction v2. */
export function firefunctionGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) => jsonCallObject(g, t));
  return g.build(`" "? ${lit("functools")} ${list(call, options)}`);
}

/** Command R7B and Cohere2: thinking (possibly empty) first, then the action list with numbered call ids. */
export function commandR7bGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) =>
    `"{" ${lit(`"tool_call_id"`)} ":" " "? "\\"" [0-9]{1,3} "\\"" "," " "? ${lit(`"tool_name"`)} ":" " "? ${
      lit(JSON.stringify(t.function.name))
    } "," " "? ${lit(`"parameters"`)} ":" " "? ${g.arguments(t)} "}"`);
  const think = thinkingFirst("<|START_THINKING|>", "<|END_THINKING|>", { ...options, think: true });
  return g.build(`${think}${lit("<|START_ACTION|>")} ${list(call, options)} ${lit("<|END_ACTION|>")}`);
}

/** GigaChat 3 / 3.1: one JSON call after its marker. */
export function gigachatGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) => jsonCallObject(g, t));
  return g.build(`(${lit("<|message_sep|>\n\nfunction call<|role_sep|>\n")} | ${lit("<|function_call|>")}) ${call}`);
}

/** Functionary v3.1 (Llama 3.1 based). */
export function functionaryV31Grammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) => `${lit(`<function=${t.function.name}>`)} ${g.arguments(t)} ${lit("</function>")}`);
  return g.build(repeated(call, options));
}

/** IBM Granite 3.x: `<|tool_call|>[{"name": …, "arguments": {…}}, …]`, thinking in `<think>` first. */
export function graniteGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) => jsonCallObject(g, t));
  return g.build(`${thinkingFirst("<think>", "</think>", options)}${lit("<|tool_call|>")} ${list(call, options)}`);
}

/**
 * Upstage Solar Open: `<|tool_calls|>` then per call `<|tool_call:begin|>ID<|tool_call:name|>NAME
 * <|tool_call:args|>{…}<|tool_call:end|>`, thinking after `<|think|>` up to `<|end|>`.
 */
export function solarGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) =>
    `${lit("<|tool_call:begin|>")} [a-zA-Z0-9_-]{1,24} ${lit(`<|tool_call:name|>${t.function.name}<|tool_call:args|>`)} ${
      g.arguments(t)
    } ${lit("<|tool_call:end|>")}`);
  return g.build(`${thinkingFirst("<|think|>", "<|end|>", options)}${lit("<|tool_calls|>")} ${repeated(call, options)}`);
}
