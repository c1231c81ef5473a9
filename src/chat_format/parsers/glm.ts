/**
 * GLM 4.5+ (and Ling, Spark): `<tool_call>name<arg_key>k</arg_key><arg_value>v</arg_value></tool_call>`,
 * values as bare text typed by the tool's schema; thinking in `<think>`.
 * @module
 */
import type { FormatToolCall, OutputSyntax, ToolSpec } from "../types.ts";
import { typedValue } from "./json.ts";
import { taggedSyntax } from "./tagged.ts";

/** A name, then `<arg_key>`/`<arg_value>` pairs. */
export function glmBody(body: string, tools: readonly ToolSpec[]): FormatToolCall[] | null {
  const first = body.indexOf("<arg_key>");
  const name = (first < 0 ? body : body.slice(0, first)).trim();
  if (name === "" || /[\s<>{}]/.test(name)) return null;
  const args: Record<string, unknown> = {};
  let rest = first < 0 ? "" : body.slice(first);
  const pair = /^\s*<arg_key>([\s\S]*?)<\/arg_key>\s*<arg_value>([\s\S]*?)<\/arg_value>/;
  for (let m = pair.exec(rest); m; m = pair.exec(rest)) {
    args[m[1].trim()] = typedValue(m[2], tools, name, m[1].trim());
    rest = rest.slice(m[0].length);
  }
  if (rest.trim() !== "") return null;
  return [{ name, arguments: args }];
}

/** The GLM syntax. */
export const glm: OutputSyntax = {
  thinking: { open: ["<think>"], close: ["</think>"] },
  tools: taggedSyntax(["<tool_call>"], "</tool_call>", glmBody),
};
