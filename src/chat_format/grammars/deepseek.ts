/**
 * DeepSeek's special-token calls inside `<｜tool▁calls▁begin｜>…<｜tool▁calls▁end｜>`: R1 (and V3-0324)
 * `<｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{…}\n```<｜tool▁call▁end｜>`, V3.1+
 * `<｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{…}<｜tool▁call▁end｜>`; thinking in `<think>` first.
 * @module
 */
import type { Tool } from "../../prompt/mod.ts";
import { forcedTools, GrammarBuilder, lit, perTool, repeated, thinkingFirst, type ToolGrammarOptions } from "./tool_grammar.ts";

/** The DeepSeek forcing grammar; `fenced` for R1's `function<｜tool▁sep｜>NAME` + ```json fence. */
export function deepseekGrammar(tools: readonly Tool[], options: ToolGrammarOptions, fenced: boolean): string {
  const g = new GrammarBuilder();
  const call = perTool(g, forcedTools(tools, options), (t) => {
    const args = g.arguments(t);
    const body = fenced
      ? `${lit(`<｜tool▁call▁begin｜>function<｜tool▁sep｜>${t.function.name}\n\`\`\`json\n`)} ${args} ${lit("\n```")}`
      : `${lit(`<｜tool▁call▁begin｜>${t.function.name}<｜tool▁sep｜>`)} ${args}`;
    return `${body} ${lit("<｜tool▁call▁end｜>")}`;
  });
  const calls = repeated(call, options, `"\\n"?`);
  return g.build(
    `${thinkingFirst("<think>", "</think>", options)}${lit("<｜tool▁calls▁begin｜>")} ${calls} ${lit("<｜tool▁calls▁end｜>")}`,
  );
}
