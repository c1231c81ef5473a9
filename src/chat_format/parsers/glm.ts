/**
 * GLM 4.5+ (and Ling, Spark): `<tool_call>name<arg_key>k</arg_key><arg_value>v</arg_value></tool_call>`,
 * values as bare text typed by the tool's schema; thinking in `<think>`.
 * @module
 */
import type { FormatToolCall, OutputSyntax, ToolSpec } from "../types.ts";
import { typedValue } from "./json.ts";
import { taggedSyntax } from "./tagged.ts";

/** A body parser for a name, then key/value pairs in `<arg_key{suffix}>` / `<arg_value{suffix}>`. */
export function argPairsBody(suffix = "", sep = "") {
  const key = `<arg_key${suffix}>`;
  const pair = new RegExp(
    `^\\s*<arg_key${suffix}>([\\s\\S]*?)</arg_key${suffix}>\\s*<arg_value${suffix}>([\\s\\S]*?)</arg_value${suffix}>`,
  );
  return (body: string, tools: readonly ToolSpec[]): FormatToolCall[] | null => {
    const first = body.indexOf(key);
    let name = (first < 0 ? body : body.slice(0, first)).trim();
    if (sep && name.endsWith(sep)) name = name.slice(0, -sep.length).trim();
    if (name === "" || /[\s<>{}]/.test(name)) return null;
    const args: Record<string, unknown> = {};
    let rest = first < 0 ? "" : body.slice(first);
    for (let m = pair.exec(rest); m; m = pair.exec(rest)) {
      args[m[1].trim()] = typedValue(m[2], tools, name, m[1].trim());
      rest = rest.slice(m[0].length);
    }
    if (rest.trim() !== "") return null;
    return [{ name, arguments: args }];
  };
}

/** A name, then `<arg_key>`/`<arg_value>` pairs. */
export const glmBody = argPairsBody();

/** The GLM syntax. */
export const glm: OutputSyntax = {
  thinking: { open: ["<think>"], close: ["</think>"] },
  tools: taggedSyntax(["<tool_call>"], "</tool_call>", glmBody),
};
