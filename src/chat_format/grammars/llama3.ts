/**
 * Llama 3.1 / 3.2 / 3.3: the reply is the call, bare JSON `{"name": …, "parameters": {…}}` (llama.cpp's
 * llama-3.x grammar; calls in parallel are separated by `; `).
 * @module
 */
import type { Tool } from "../../prompt/mod.ts";
import { jsonCallObject } from "./hermes.ts";
import { forcedTools, GrammarBuilder, perTool, repeated, type ToolGrammarOptions } from "./tool_grammar.ts";

/** The Llama 3.x forcing grammar. */
export function llama3Grammar(tools: readonly Tool[], options: ToolGrammarOptions): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) => jsonCallObject(g, t, "parameters"));
  return g.build(repeated(call, options, `";" " "?`));
}
