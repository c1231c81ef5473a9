/**
 * Mistral: Devstral / Magistral / Ministral 3 (templates that write `[ARGS]`) call as
 * `[TOOL_CALLS]NAME[ARGS]{…}`, one marker per call; Mistral Nemo / Small 3 as `[TOOL_CALLS][{"name": …,
 * "arguments": {…}}, …]`. Magistral may think in `[THINK]…[/THINK]` first.
 * @module
 */
import type { Tool } from "../../prompt/mod.ts";
import { jsonCallObject } from "./hermes.ts";
import { forcedTools, GrammarBuilder, lit, perTool, repeated, thinkingFirst, type ToolGrammarOptions } from "./tool_grammar.ts";

/** The Mistral forcing grammar; `argsStyle` for `NAME[ARGS]{…}` calls, else a JSON list. */
export function mistralGrammar(tools: readonly Tool[], options: ToolGrammarOptions, argsStyle: boolean): string {
  const g = new GrammarBuilder();
  const forced = forcedTools(tools, options);
  const think = thinkingFirst("[THINK]", "[/THINK]", options);
  if (argsStyle) {
    const call = perTool(g, forced, (t) => `${lit(`[TOOL_CALLS]${t.function.name}[ARGS]`)} ${g.arguments(t)}`);
    return g.build(`${think}${repeated(call, options)}`);
  }
  // Nemo writes a 9-character id after the arguments
  const id = `("," " "? ${lit(`"id"`)} ":" " "? "\\"" [a-zA-Z0-9]{9} "\\"")?`;
  const call = perTool(g, forced, (t) => jsonCallObject(g, t, "arguments", id));
  const more = options.parallel ? ` ("," " "? ${call})*` : "";
  return g.build(`${think}${lit("[TOOL_CALLS]")} "[" ${call}${more} "]"`);
}
