/**
 * Tencent Hunyuan 3: GLM-style pairs with an `:opensource` suffix on every tag —
 * `<tool_calls:opensource><tool_call:opensource>name<tool_sep:opensource><arg_key:opensource>k</arg_key:opensource>
 * <arg_value:opensource>v</arg_value:opensource></tool_call:opensource></tool_calls:opensource>`.
 * @module
 */
import type { FormatToolCall, OutputSyntax, ToolSpec } from "../types.ts";
import { argPairsBody } from "./glm.ts";
import { taggedSyntax } from "./tagged.ts";

const CALL = argPairsBody(":opensource", "<tool_sep:opensource>");

/** The calls of one `<tool_calls:opensource>` section. */
export function hunyuanBody(body: string, tools: readonly ToolSpec[]): FormatToolCall[] | null {
  const calls: FormatToolCall[] = [];
  let rest = body;
  for (const m of body.matchAll(/<tool_call:opensource>([\s\S]*?)(?:<\/tool_call:opensource>|$)/g)) {
    const found = CALL(m[1], tools);
    if (!found) return null;
    calls.push(...found);
    rest = rest.replace(m[0], "");
  }
  return calls.length && rest.trim() === "" ? calls : null;
}

/** The Hunyuan 3 syntax. */
export const hunyuan: OutputSyntax = {
  thinking: { open: ["<think:opensource>"], close: ["</think:opensource>"] },
  tools: taggedSyntax(["<tool_calls:opensource>"], "</tool_calls:opensource>", hunyuanBody),
};
