/**
 * Ollama's `glm-4.7` renderer: `[gMASK]<sop>`, tools as spaced JSON, calls as
 * `<tool_call>name<arg_key>…</arg_key><arg_value>…</arg_value></tool_call>`, earlier reasoning kept
 * in `<think>` blocks, and a generation prompt opening `<think>` (or closing it when thinking is off).
 * @module
 */
import { marshal, toolJson, withSpaces } from "./go_values.ts";
import type { RenderInput, Tool } from "./types.ts";

/** The tool list and call format GLM-4.7 and GLM-OCR put in their system turn. */
export function glmToolsSystem(tools: readonly Tool[]): string {
  if (tools.length === 0) return "";
  return "<|system|>\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
    tools.map((t) => withSpaces(marshal(toolJson(t))) + "\n").join("") +
    "</tools>\n\nFor each function call, output the function name and arguments within the following XML format:\n" +
    "<tool_call>{function-name}<arg_key>{arg-key-1}</arg_key><arg_value>{arg-value-1}</arg_value>" +
    "<arg_key>{arg-key-2}</arg_key><arg_value>{arg-value-2}</arg_value>...</tool_call>";
}

/** Call arguments as `<arg_key>`/`<arg_value>` pairs: strings bare, other values as JSON. */
export function glmArguments(args: Record<string, unknown> | undefined): string {
  return Object.entries(args ?? {}).map(([k, v]) =>
    `<arg_key>${k}</arg_key><arg_value>${typeof v === "string" ? v : marshal(v)}</arg_value>`
  ).join("");
}

/** Renders a conversation as Ollama's `glm-4.7` renderer does. */
export function renderGlm47({ messages, tools = [], think }: RenderInput): string {
  let out = "[gMASK]<sop>" + glmToolsSystem(tools);
  messages.forEach((m, i) => {
    if (m.role === "user") out += "<|user|>" + m.content;
    else if (m.role === "assistant") {
      out += "<|assistant|>" + (m.thinking ? `<think>${m.thinking}</think>` : "</think>") + m.content;
      for (const call of m.tool_calls ?? []) out += `<tool_call>${call.function.name}${glmArguments(call.function.arguments)}</tool_call>`;
    } else if (m.role === "tool") {
      if (i === 0 || messages[i - 1].role !== "tool") out += "<|observation|>";
      out += `<tool_response>${m.content}</tool_response>`;
    } else if (m.role === "system") out += "<|system|>" + m.content;
  });
  return out + "<|assistant|>" + (think === false ? "</think>" : "<think>");
}
