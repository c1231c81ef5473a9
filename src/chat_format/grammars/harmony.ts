/**
 * gpt-oss (harmony): the call is a commentary message addressed to the function,
 * `<|channel|>commentary to=functions.NAME <|constrain|>json<|message|>{…}`, which `<|call|>` (an end-of-
 * generation token) closes. Where the request thinks, an analysis message may come first
 * (`<|channel|>analysis<|message|>…<|end|><|start|>assistant`), as llama.cpp's gpt-oss grammar allows. One
 * call per turn: `<|call|>` ends generation.
 * @module
 */
import type { Tool } from "../../prompt/mod.ts";
import { forcedTools, GrammarBuilder, lit, perTool, type ToolGrammarOptions, until } from "./tool_grammar.ts";

const START = "<|start|>assistant";

/** The harmony forcing grammar. */
export function harmonyGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) =>
    `${lit(`<|channel|>commentary to=functions.${t.function.name}`)} (" " "<|constrain|>"? "json")? ${lit("<|message|>")} ${
      g.arguments(t)
    }`);
  // the generation prompt normally ends in the assistant header; where a prompt does not, the model writes it
  const header = options.prompt === undefined || options.prompt.trimEnd().endsWith(START) ? "" : `${lit(START)} `;
  const analysis = options.think
    ? `(${lit("<|channel|>analysis<|message|>")} ${until("<|end|>")} ${lit("<|end|>")} ${lit(START)})? `
    : "";
  return g.build(`${header}${analysis}${call}`);
}
