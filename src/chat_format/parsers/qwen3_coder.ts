/**
 * Qwen3-Coder / Qwen 3.5 / Nemotron 3 / StepFun: `<tool_call><function=name><parameter=p>v</parameter>
 * </function></tool_call>`, values as bare text typed by the tool's schema.
 * @module
 */
import type { FormatToolCall, OutputSyntax, ToolSpec } from "../types.ts";
import { typedValue } from "./json.ts";
import { taggedSyntax, THINK_TAGS } from "./tagged.ts";

// One newline around a value is layout, not data.
function unpad(v: string): string {
  return v.replace(/^\n/, "").replace(/\n$/, "");
}

/** `<function=name>` blocks with `<parameter=p>` values. */
export function xmlFunctionBody(body: string, tools: readonly ToolSpec[]): FormatToolCall[] | null {
  const calls: FormatToolCall[] = [];
  const fn = /<function=([^>\n]+)>([\s\S]*?)(?:<\/function>|$)/g;
  let rest = body;
  for (const m of body.matchAll(fn)) {
    const name = m[1].trim();
    const args: Record<string, unknown> = {};
    for (const p of m[2].matchAll(/<parameter=([^>\n]+)>([\s\S]*?)(?:<\/parameter>|(?=<parameter=)|$)/g)) {
      args[p[1].trim()] = typedValue(unpad(p[2]), tools, name, p[1].trim());
    }
    calls.push({ name, arguments: args });
    rest = rest.replace(m[0], "");
  }
  if (calls.length === 0 || rest.trim() !== "") return null;
  return calls;
}

/** The Qwen3-Coder syntax. */
export const qwen3Coder: OutputSyntax = {
  thinking: THINK_TAGS,
  tools: taggedSyntax(["<tool_call>"], "</tool_call>", xmlFunctionBody),
};
