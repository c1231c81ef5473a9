/**
 * XML calls with attributes: MiniMax M2 (`<minimax:tool_call><invoke name="x"><parameter name="k">v</parameter>
 * </invoke></minimax:tool_call>`), MiniCPM (`<function name="x"><param name="k">v</param></function>`).
 * Values are bare text typed by the tool's schema.
 * @module
 */
import type { FormatToolCall, OutputSyntax, ToolSpec } from "../types.ts";
import { typedValue } from "./json.ts";
import { taggedSyntax, THINK_TAGS } from "./tagged.ts";

/** A body parser for `<invoke name="x">` blocks with `<param name="k">` children. */
export function invokeBody(invoke: string, param: string) {
  const call = new RegExp(`<${invoke} name="([^"]*)">([\\s\\S]*?)(?:</${invoke}>|$)`, "g");
  const value = new RegExp(`<${param} name="([^"]*)">([\\s\\S]*?)</${param}>`, "g");
  return (body: string, tools: readonly ToolSpec[]): FormatToolCall[] | null => {
    const calls: FormatToolCall[] = [];
    let rest = body;
    for (const m of body.matchAll(call)) {
      const args: Record<string, unknown> = {};
      for (const p of m[2].matchAll(value)) args[p[1]] = typedValue(p[2].replace(/^\n|\n$/g, ""), tools, m[1], p[1]);
      calls.push({ name: m[1], arguments: args });
      rest = rest.replace(m[0], "");
    }
    return calls.length && rest.trim() === "" ? calls : null;
  };
}

/** MiniMax M2. */
export const minimaxM2: OutputSyntax = {
  thinking: THINK_TAGS,
  tools: taggedSyntax(["<minimax:tool_call>"], "</minimax:tool_call>", invokeBody("invoke", "parameter")),
};

/** MiniCPM: one `<function name=…>` element per call. */
export const minicpm: OutputSyntax = {
  thinking: THINK_TAGS,
  tools: {
    open: ['<function name="'],
    parse(text, final, tools) {
      const end = text.indexOf("</function>");
      if (end < 0 && !final) return "more";
      const stop = end < 0 ? text.length : end + "</function>".length;
      const calls = invokeBody("function", "param")(text.slice(0, stop), tools);
      return calls ? { calls, end: stop } : null;
    },
  },
};
