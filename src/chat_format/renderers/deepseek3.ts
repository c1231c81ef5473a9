/**
 * Ollama's `deepseek3.1` renderer: every system message joined at the top, tools described in
 * markdown with their parameters as JSON, calls between DeepSeek's special tokens, and `<think>` or
 * `</think>` after each assistant opening as thinking is on or off.
 * @module
 */
import { argumentsJson, marshal, parametersJson } from "./go_values.ts";
import { thinkOn } from "./shared.ts";
import type { RenderInput } from "./types.ts";

const TOOL_USE = "\nIMPORTANT: ALWAYS adhere to this exact format for tool use:\n" +
  "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>tool_call_name<｜tool▁sep｜>tool_call_arguments<｜tool▁call▁end｜>{{additional_tool_calls}}<｜tool▁calls▁end｜>\n\n" +
  "Where:\n\n- `tool_call_name` must be an exact match to one of the available tools\n" +
  "- `tool_call_arguments` must be valid JSON that strictly follows the tool's Parameters Schema\n" +
  "- For multiple tool calls, chain them directly without separators or spaces\n";

/** Renders a conversation as Ollama's `deepseek3.1` renderer does. */
export function renderDeepSeek31({ messages, tools = [], think }: RenderInput): string {
  const thinking = thinkOn(think);
  let out = "<｜begin▁of▁sentence｜>" + messages.filter((m) => m.role === "system").map((m) => m.content).join("\n\n");
  if (tools.length > 0) {
    out += "\n\n## Tools\nYou have access to the following tools:\n";
    for (const tool of tools) {
      out += `\n### ${tool.function.name}\nDescription: ${tool.function.description ?? ""}`;
      out += `\n\nParameters: ${marshal(parametersJson(tool))}\n`;
    }
    out += TOOL_USE;
  }
  let isTool = false;
  let lastUser = false;
  const lastUserIndex = messages.findLastIndex((m) => m.role === "user");
  messages.forEach((m, i) => {
    if (m.role === "user") {
      isTool = false;
      lastUser = true;
      out += "<｜User｜>" + m.content;
    } else if (m.role === "assistant") {
      if (m.tool_calls?.length) {
        if (lastUser) out += "<｜Assistant｜></think>";
        lastUser = false;
        isTool = false;
        out += m.content + "<｜tool▁calls▁begin｜>";
        for (const call of m.tool_calls) {
          out += `<｜tool▁call▁begin｜>${call.function.name}<｜tool▁sep｜>${marshal(argumentsJson(call.function.arguments))}<｜tool▁call▁end｜>`;
        }
        out += "<｜tool▁calls▁end｜><｜end▁of▁sentence｜>";
      } else {
        if (lastUser) {
          // only the current turn (after the last user message) keeps an open think tag
          out += "<｜Assistant｜>" + (m.thinking && thinking && i > lastUserIndex ? "<think>" : "</think>");
        }
        lastUser = false;
        let content = m.content;
        if (isTool) isTool = false;
        else if (content.includes("</think>")) content = content.slice(content.indexOf("</think>") + 8);
        out += content + "<｜end▁of▁sentence｜>";
      }
    } else if (m.role === "tool") {
      lastUser = false;
      isTool = true;
      out += `<｜tool▁output▁begin｜>${m.content}<｜tool▁output▁end｜>`;
    }
  });
  if (lastUser && !isTool) out += "<｜Assistant｜>" + (thinking ? "<think>" : "</think>");
  return out;
}
