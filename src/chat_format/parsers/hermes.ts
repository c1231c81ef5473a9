/**
 * Hermes / Qwen 2.5 / Qwen3: `<tool_call>{"name": …, "arguments": {…}}</tool_call>`, thinking in
 * `<think>`. The body may also hold Qwen3-Coder's XML or GLM's `<arg_key>` pairs (models mix them).
 * @module
 */
import type { FormatToolCall, OutputSyntax, ToolSpec } from "../types.ts";
import { glmBody } from "./glm.ts";
import { callsFromJson, jsonValueEnd, partialJsonCall, tryJson } from "./json.ts";
import { xmlFunctionBody } from "./qwen3_coder.ts";
import { anyBody, taggedSyntax, THINK_TAGS } from "./tagged.ts";

/** One JSON call object (or array) as a whole body. */
export function jsonBody(body: string, _tools?: readonly ToolSpec[]): FormatToolCall[] | null {
  const text = body.trim();
  if (jsonValueEnd(text) !== text.length) return null;
  return callsFromJson(tryJson(text));
}

/** The Hermes syntax. */
export const hermes: OutputSyntax = {
  thinking: THINK_TAGS,
  tools: {
    ...taggedSyntax(["<tool_call>"], "</tool_call>", anyBody(jsonBody, xmlFunctionBody, glmBody)),
    partial: (text, scan) => partialJsonCall(text, scan),
  },
};

/** Whatever a `<tool_call>` body holds: JSON, Qwen3-Coder XML or GLM pairs. */
export const hermesBody = anyBody(jsonBody, xmlFunctionBody, glmBody);
