/**
 * Kimi K2: `<|tool_calls_section_begin|><|tool_call_begin|>functions.NAME:0<|tool_call_argument_begin|>{…}
 * <|tool_call_end|>…<|tool_calls_section_end|>`, the index counting the calls; thinking in `<think>` first.
 * @module
 */
import type { Tool } from "../../prompt/mod.ts";
import { forcedTools, GrammarBuilder, lit, perTool, repeated, thinkingFirst, type ToolGrammarOptions } from "./tool_grammar.ts";

/** The Kimi K2 forcing grammar. */
export function kimiGrammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) =>
    `${lit(`<|tool_call_begin|>functions.${t.function.name}:`)} [0-9]{1,3} ${lit("<|tool_call_argument_begin|>")} ${
      g.arguments(t)
    } ${lit("<|tool_call_end|>")}`);
  return g.build(
    `${thinkingFirst("<think>", "</think>", options)}${lit("<|tool_calls_section_begin|>")} ${repeated(call, options)} ${
      lit("<|tool_calls_section_end|>")
    }`,
  );
}
