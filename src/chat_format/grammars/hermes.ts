/**
 * Forced calls as JSON objects `{"name": …, "arguments": {…}}`: Hermes / Qwen 2.5 / Qwen3 inside
 * `<tool_call>\n…\n</tool_call>` (after thinking where the request thinks or the prompt opened it), a Go
 * template's own tag, or bare JSON as the whole reply (llama.cpp's generic format).
 * @module
 */
import type { Tool } from "../../prompt/mod.ts";
import {
  forcedTools,
  GrammarBuilder,
  lit,
  perTool,
  repeated,
  thinkingFirst,
  type ToolGrammarOptions,
} from "./tool_grammar.ts";

/** `{"name": "<name>", "<argumentsKey>": <arguments>}` for one tool; `extra`: GBNF for members after them. */
export function jsonCallObject(g: GrammarBuilder, tool: Tool, argumentsKey = "arguments", extra = ""): string {
  return `"{" " "? ${lit(`"name"`)} ":" " "? ${lit(JSON.stringify(tool.function.name))} "," " "? ${
    lit(`"${argumentsKey}"`)
  } ":" " "? ${g.arguments(tool)}${extra ? ` ${extra}` : ""} "}"`;
}

/** Hermes / Qwen: `<tool_call>\n{…}\n</tool_call>`, one per call. */
export function hermesGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) => jsonCallObject(g, t));
  const block = g.rule("block", `"<tool_call>" "\\n"? ${call} "\\n"? "</tool_call>"`);
  return g.build(`${thinkingFirst("<think>", "</think>", options)}${repeated(block, options, `"\\n"?`)}`);
}

/**
 * A call after a tag the template names (a Go template's `{{ .ToolCalls }}` prefix) or, with no tag, bare
 * JSON as the whole reply: what the format's parser reads when it has no syntax of its own.
 */
export function taggedJsonGrammar(tools: readonly Tool[], options: ToolGrammarOptions, tag?: string, close?: string): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) => jsonCallObject(g, t));
  const open = tag && tag !== "{" && tag !== "[" ? `${lit(tag)} [ \\n]{0,2} ` : "";
  const end = close ? ` [ \\n]{0,2} ${lit(close)}` : "";
  const one = g.rule("one", `${open}${call}${end}`);
  return g.build(`${thinkingFirst("<think>", "</think>", options)}${repeated(one, options, `"\\n"`)}`);
}
