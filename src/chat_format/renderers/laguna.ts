/**
 * Ollama's `laguna` (Poolside Laguna v2) and `poolside-v1` (Laguna v8) renderers: `〈|EOS|〉`, XML-ish
 * `<system>`/`<user>`/`<assistant>` turns, tools as spaced JSON in `<available_tools>`, calls as
 * `<tool_call>name<arg_key>…</arg_key><arg_value>…</arg_value>`, and a generation prompt priming
 * `<think>` (thinking) or `</think>` (thinking off, the default).
 * @module
 */
import { marshal, toolJson, withSpaces } from "./go_values.ts";
import { thinkOn, trimLeftChars, trimRightChars, trimSpace } from "./shared.ts";
import type { RenderInput } from "./types.ts";

const BOS = "〈|EOS|〉";
const DEFAULT_SYSTEM = "You are a helpful, conversationally-fluent assistant made by Poolside. " +
  "You are here to be helpful to users through natural language conversations.";

const argument = (v: unknown) => typeof v === "string" ? v : withSpaces(marshal(v));
const trimRightSpace = (s: string) => s.replace(/\s+$/u, "");

// Reasoning written inline before `</think>` in the content, when the message carries none of its own.
function splitContent(content: string, reasoning: string): [string, string] {
  const parts = content.split("</think>");
  if (parts.length === 1) return [content, reasoning];
  if (reasoning === "") {
    let before = trimRightChars(parts[0], "\n");
    const i = before.lastIndexOf("<think>");
    if (i >= 0) before = before.slice(i + 7);
    reasoning = trimLeftChars(before, "\n");
  }
  return [trimLeftChars(parts.at(-1)!, "\n"), reasoning];
}

/** Renders a conversation as Ollama's `laguna` renderer does. */
export function renderLaguna({ messages, tools = [], think }: RenderInput): string {
  const thinking = think !== undefined && thinkOn(think);
  const firstSystem = messages[0]?.role === "system";
  const system = firstSystem ? messages[0].content : DEFAULT_SYSTEM;
  let out = BOS;
  if (trimSpace(system) !== "" || tools.length > 0) {
    out += "<system>\n";
    if (trimSpace(system) !== "") out += "\n" + trimRightSpace(system);
    if (tools.length > 0) {
      out += "\n\n### Tools\n\nYou may call functions to assist with the user query.\nAll available function signatures are listed below:\n<available_tools>\n";
      for (const tool of tools) out += withSpaces(marshal(toolJson(tool))) + "\n";
      out += "</available_tools>\n\n";
      out += thinking
        ? "Wrap your thinking in '<think>', '</think>' tags, followed by a function call. For each function call, return an unescaped XML-like object " +
          "with function name and arguments within '<tool_call>' and '</tool_call>' tags, like here:\n<think> your thoughts here </think>\n"
        : "For each function call, return an unescaped XML-like object with function name and arguments within '<tool_call>' and '</tool_call>' tags, like here:\n";
      out += "<tool_call>function-name\n<arg_key>argument-key</arg_key>\n<arg_value>value-of-argument-key</arg_value>\n</tool_call>";
    }
    out += "\n</system>\n";
  }
  messages.forEach((m, i) => {
    if (i === 0 && firstSystem) return;
    if (m.role === "user") out += `<user>\n${m.content}\n</user>\n`;
    else if (m.role === "assistant") {
      const [content, reasoning] = splitContent(m.content, m.thinking ?? "");
      const prefill = i === messages.length - 1 &&
        (trimSpace(content) !== "" || trimSpace(reasoning) !== "" || (m.tool_calls?.length ?? 0) > 0);
      out += "<assistant>\n";
      out += trimSpace(reasoning) !== "" ? `<think>\n${trimSpace(reasoning)}\n</think>\n` : "</think>\n";
      if (trimSpace(content) !== "") out += trimSpace(content) + "\n";
      for (const call of m.tool_calls ?? []) {
        out += `<tool_call>${call.function.name}\n`;
        for (const [k, v] of Object.entries(call.function.arguments ?? {})) out += `<arg_key>${k}</arg_key>\n<arg_value>${argument(v)}</arg_value>\n`;
        out += "</tool_call>\n";
      }
      if (!prefill) out += "</assistant>\n";
    } else if (m.role === "tool") out += `<tool_response>\n${m.content}\n</tool_response>\n`;
    else if (m.role === "system") out += `<system>\n${m.content}\n</system>\n`;
  });
  if (messages.at(-1)?.role !== "assistant") out += "<assistant>\n" + (thinking ? "<think>" : "</think>");
  return out;
}

/** Renders a conversation as Ollama's `poolside-v1` renderer (Laguna v8) does. */
export function renderPoolsideV1({ messages, tools = [], think }: RenderInput): string {
  const thinking = think !== undefined && thinkOn(think);
  const firstSystem = messages[0]?.role === "system";
  const system = firstSystem ? messages[0].content : DEFAULT_SYSTEM;
  const hasSystem = trimSpace(system) !== "";
  let out = BOS;
  if (hasSystem || tools.length > 0 || thinking) {
    out += "<system>";
    if (hasSystem) out += trimRightSpace(system) + (tools.length > 0 ? "\n\n" : "");
    if (tools.length > 0) {
      out += "### Tools\n\nYou may call functions to assist with the user query.\nAll available function signatures are listed below:\n<available_tools>\n";
      for (const tool of tools) out += withSpaces(marshal(toolJson(tool))) + "\n";
      out += "</available_tools>";
    }
    out += "</system>\n";
  }
  messages.forEach((m, i) => {
    if (i === 0 && firstSystem) return;
    if (m.role === "user") out += `<user>${m.content}</user>\n`;
    else if (m.role === "assistant") {
      out += "<assistant>" + (thinking ? `<think>${m.thinking ?? ""}</think>` : "</think>") + m.content;
      for (const call of m.tool_calls ?? []) {
        out += `<tool_call>${call.function.name}`;
        for (const [k, v] of Object.entries(call.function.arguments ?? {})) out += `<arg_key>${k}</arg_key><arg_value>${argument(v)}</arg_value>`;
        out += "</tool_call>";
      }
      out += "</assistant>\n";
    } else if (m.role === "tool") out += `<tool_response>${m.content}</tool_response>\n`;
    else if (m.role === "system") out += `<system>${m.content}</system>\n`;
  });
  return out + "<assistant>" + (thinking ? "<think>" : "</think>");
}
