/**
 * Ollama's `cogito` renderer: DeepSeek-style special tokens, Cogito's default system prompt (with
 * "Enable deep thinking subroutine." when thinking), tools as indented JSON blocks, and calls as
 * fenced JSON after `function<｜tool▁sep｜>name`.
 * @module
 */
import { argumentsJson, indentJson, marshal, toolJson } from "./go_values.ts";
import { thinkOn } from "./shared.ts";
import type { RenderInput } from "./types.ts";

const DEFAULT_SYSTEM = "You are Cogito, an AI assistant created by Deep Cogito, which is an AI research lab based in San Francisco.";

/** Renders a conversation as Ollama's `cogito` renderer does. */
export function renderCogito({ messages, tools = [], think }: RenderInput): string {
  const thinking = thinkOn(think);
  const hasSystem = messages[0]?.role === "system";
  const system = hasSystem ? messages[0].content : "";
  const rest = hasSystem ? messages.slice(1) : messages;
  let prompt = thinking ? "Enable deep thinking subroutine.\n\n" + DEFAULT_SYSTEM : DEFAULT_SYSTEM;
  if (system) prompt += thinking ? `\n\n${system}\n\n` : `\n\n${system}`;
  if (tools.length > 0) {
    prompt += "\nYou have the following functions available:\n";
    for (const tool of tools) prompt += "```json\n" + indentJson(marshal(toolJson(tool)), "    ") + "\n```\n";
  }
  let out = "<｜begin▁of▁sentence｜>" + prompt;
  let outputsOpen = false;
  let lastUser = false;
  rest.forEach((m, i) => {
    if (m.role === "user") {
      lastUser = true;
      out += `<｜User｜>${m.content}<｜Assistant｜>`;
    } else if (m.role === "assistant") {
      lastUser = false;
      if (m.tool_calls?.length) {
        out += m.content + "<｜tool▁calls▁begin｜>";
        m.tool_calls.forEach((call, j) => {
          out += `<｜tool▁call▁begin｜>function<｜tool▁sep｜>${call.function.name}` +
            "\n```json\n" + marshal(argumentsJson(call.function.arguments)) + "\n```<｜tool▁call▁end｜>";
          if (j < m.tool_calls!.length - 1) out += "\n";
        });
        out += "<｜tool▁calls▁end｜><｜end▁of▁sentence｜>";
      } else {
        out += m.content + "<｜end▁of▁sentence｜>";
      }
    } else if (m.role === "tool") {
      lastUser = false;
      if (!outputsOpen) {
        out += "<｜tool▁outputs▁begin｜>";
        outputsOpen = true;
      }
      out += `<｜tool▁output▁begin｜>${m.content}<｜tool▁output▁end｜>`;
      if (rest[i + 1]?.role === "tool") out += "\n";
      else {
        out += "<｜tool▁outputs▁end｜>";
        outputsOpen = false;
      }
    }
  });
  if (outputsOpen) out += "<｜tool▁outputs▁end｜>";
  if (!lastUser) out += "<｜Assistant｜>";
  if (thinking) out += "<think>\n";
  return out;
}
