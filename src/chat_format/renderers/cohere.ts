/**
 * Ollama's `cohere` renderer (Cohere North / Command A 2026): a platform system turn with an
 * "Available Tools" JSON block, `<|START_TEXT|>` message bodies, `<|START_THINKING|>` reasoning,
 * `<|START_ACTION|>` calls with ids renumbered from 0, and tool results merged into one array.
 * @module
 */
import { argumentsJson, marshal, parametersJson, withSpaces } from "./go_values.ts";
import { thinkOn } from "./shared.ts";
import type { Message, RenderInput, Tool } from "./types.ts";

function toolEntry(tool: Tool): string {
  return `{"name": ${marshal(tool.function.name)}, "description": ${marshal(tool.function.description ?? "")}, ` +
    `"parameters": ${withSpaces(marshal(parametersJson(tool)))}, "responses": null}`;
}

function toolsSection(tools: readonly Tool[]): string {
  let out = "# Available Tools\n```json\n[\n";
  if (tools.length === 0) out += "\n\n";
  tools.forEach((tool, i) => {
    out += "\n    " + toolEntry(tool) + (i < tools.length - 1 ? "," : "") + "\n\n";
  });
  return out + "\n]\n```";
}

function toolResult(id: string, content: string): string {
  return `\n    {\n        "tool_call_id": "${id}",\n        "results": {\n\n            \n            "0": ` +
    withSpaces(marshal({ content })) + "\n\n        },\n        \"is_error\": null\n    }";
}

/** Renders a conversation as Ollama's `cohere` renderer does. */
export function renderCohere({ messages, tools = [], think }: RenderInput): string {
  const reasoning = think === undefined || thinkOn(think);
  const hasSystem = messages[0]?.role.toLowerCase() === "system";
  const rest = hasSystem ? messages.slice(1) : messages;
  let out = "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|><|START_TEXT|>";
  if (hasSystem && messages[0].content) out += messages[0].content + "\n\n\n\n";
  out += toolsSection(tools) + "<|END_TEXT|><|END_OF_TURN_TOKEN|>";
  // call ids are renumbered across the conversation; results find theirs by the id they answer
  let callIndex = 0;
  const ids = new Map<string, string>();
  const nextId = (id: string | undefined) => {
    const index = String(callIndex++);
    if (id && !ids.has(id)) ids.set(id, index);
    return index;
  };
  const resultId = (m: Message) => ids.get(m.tool_call_id ?? "") ?? m.tool_call_id ?? "";
  let prefill = false;
  for (let i = 0; i < rest.length; i++) {
    const m = rest[i];
    const role = m.role.toLowerCase();
    if (role === "system") out += `<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|><|START_TEXT|>${m.content}<|END_TEXT|><|END_OF_TURN_TOKEN|>`;
    else if (role === "user") out += `<|START_OF_TURN_TOKEN|><|USER_TOKEN|><|START_TEXT|>${m.content}<|END_TEXT|><|END_OF_TURN_TOKEN|>`;
    else if (role === "assistant" || role === "chatbot") {
      out += "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>";
      const thinking = m.thinking ? `<|START_THINKING|>${m.thinking}<|END_THINKING|>` : "";
      if (m.tool_calls?.length) {
        out += "\n            \n                " + thinking + "<|START_ACTION|>[";
        out += m.tool_calls.map((c) =>
          `\n\n    {"tool_call_id": "${nextId(c.id)}", "tool_name": "${c.function.name}", "parameters": ` +
          withSpaces(marshal(argumentsJson(c.function.arguments))) + "}"
        ).join(",");
        out += "\n\n]<|END_ACTION|><|END_OF_TURN_TOKEN|>";
      } else {
        out += thinking + "<|START_TEXT|>" + m.content;
        if (i === rest.length - 1) prefill = true;
        else out += "<|END_TEXT|><|END_OF_TURN_TOKEN|>";
      }
    } else if (role === "tool") {
      out += "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|><|START_TOOL_RESULT|>[" + toolResult(resultId(m), m.content);
      while (rest[i + 1]?.role.toLowerCase() === "tool") {
        i++;
        out += "," + toolResult(resultId(rest[i]), rest[i].content);
      }
      out += "\n\n]<|END_TOOL_RESULT|><|END_OF_TURN_TOKEN|>";
    }
  }
  if (!prefill) out += "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>" + (reasoning ? "<|START_THINKING|>" : "<|START_THINKING|><|END_THINKING|>");
  return out;
}
