/**
 * A structured answer (`format: "json"` or a JSON schema) where the format puts its answer: after the thinking
 * the request asks for or the prompt opened (`<think>…</think>`, `[THINK]…[/THINK]`), and for harmony in the
 * final channel (`<|channel|>final<|message|>{…}`, after an analysis message where the request thinks), as
 * llama.cpp's response-format grammars do. Formats that think in none of these keep the plain grammar.
 * @module
 */
import type { OutputSyntax } from "../types.ts";
import { lit, promptOpens, thinkingFirst, type ToolGrammarOptions, until } from "./tool_grammar.ts";

const START = "<|start|>assistant";

/** `grammar` (a JSON grammar whose start rule is `root`) behind `prefix`; the grammar itself where none. */
function behind(prefix: string, grammar: string): string {
  if (prefix.trim() === "") return grammar;
  return `root ::= ${prefix} g-answer\n${grammar.replace(/^root ::=/m, "g-answer ::=")}`;
}

/** The answer grammar for a format named `name` with output `syntax`. */
export function responseGrammar(
  name: string,
  syntax: OutputSyntax,
  grammar: string,
  options: Pick<ToolGrammarOptions, "think" | "prompt">,
): string {
  if (name === "harmony") {
    const header = options.prompt === undefined || options.prompt.trimEnd().endsWith(START) ? "" : `${lit(START)} `;
    const analysis = options.think
      ? `(${lit("<|channel|>analysis<|message|>")} ${until("<|end|>")} ${lit("<|end|>")} ${lit(START)})? `
      : "";
    return behind(`${header}${analysis}${lit("<|channel|>final<|message|>")}`, grammar);
  }
  const thinking = syntax.thinking;
  if (!thinking || syntax.thinkingAlways) return grammar;
  // the tags the prompt opened, else the format's first pair
  const open = thinking.open.find((o) => promptOpens(options.prompt, o)) ?? thinking.open[0];
  const close = thinking.close[thinking.open.indexOf(open)] ?? thinking.close[0];
  return behind(thinkingFirst(open, close, options), grammar);
}
