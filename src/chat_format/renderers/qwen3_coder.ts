/**
 * Ollama's `qwen3-coder` renderer: ChatML with the first system message (a default one when only
 * tools are given), tools listed as XML, calls written as `<function=…><parameter=…>` blocks, and
 * consecutive tool results sharing one user turn.
 * @module
 */
import { goValue, marshal as goJson, parametersJson, propertyJson } from "./go_values.ts";
import type { RenderInput } from "./types.ts";
import type { Tool, ToolProperty } from "../../prompt/mod.ts";

const DEFAULT_SYSTEM = "You are Qwen, a helpful AI assistant that can interact with a computer to solve tasks.";

/** The call format reminder Qwen3-Coder and Qwen3.5 put after their tool list. */
export const QWEN_TOOL_REMINDER = "\n\nIf you choose to call a function ONLY reply in the following format with NO suffix:\n\n" +
  "<tool_call>\n<function=example_function_name>\n<parameter=example_parameter_1>\nvalue_1\n</parameter>\n" +
  "<parameter=example_parameter_2>\nThis is the value for the second parameter\nthat can span\nmultiple lines\n</parameter>\n" +
  "</function>\n</tool_call>\n\n<IMPORTANT>\nReminder:\n" +
  "- Function calls MUST follow the specified format: an inner <function=...></function> block must be nested within <tool_call></tool_call> XML tags\n" +
  "- Required parameters MUST be specified\n" +
  "- You may provide optional reasoning for your function call in natural language BEFORE the function call, but NOT after\n" +
  "- If there is no function call available, answer the question like normal with your current knowledge and do not tell the user about function calls\n" +
  "</IMPORTANT>";

/** A call argument as the XML call format writes it: strings bare, objects and lists as JSON, others as `%v`. */
export function xmlArgument(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return value;
  if (typeof value === "object") return goJson(value);
  return goValue(value);
}

// The keys of a marshalled struct other than those written already (Go ranges a map at random; sorted here).
function extraKeys(json: Map<string, unknown>, handled: readonly string[]): string {
  let out = "";
  for (const key of [...json.keys()].sort()) {
    const value = json.get(key);
    if (handled.includes(key) || value === undefined || value === null) continue;
    const text = typeof value === "object" ? goJson(value) : goValue(value);
    out += `\n<${key}>${text}</${key}>`;
  }
  return out;
}

function typeText(t: string | string[] | undefined): string {
  const list = t === undefined ? [] : Array.isArray(t) ? t : [t];
  if (list.length === 0) return "[]";
  return list.length === 1 ? list[0] : goJson(list);
}

function toolXml(tool: Tool): string {
  let out = `\n<function>\n<name>${tool.function.name}</name>`;
  if (tool.function.description) out += `\n<description>${tool.function.description}</description>`;
  out += "\n<parameters>";
  for (const [name, prop] of Object.entries(tool.function.parameters?.properties ?? {}) as [string, ToolProperty][]) {
    out += `\n<parameter>\n<name>${name}</name>`;
    const types = prop.type === undefined ? [] : Array.isArray(prop.type) ? prop.type : [prop.type];
    if (types.length > 0) out += `\n<type>${typeText(prop.type)}</type>`;
    if (prop.description) out += `\n<description>${prop.description}</description>`;
    out += extraKeys(propertyJson(prop), ["type", "description"]);
    out += "\n</parameter>";
  }
  out += extraKeys(parametersJson(tool), ["type", "properties"]);
  return out + "\n</parameters>\n</function>";
}

/** Renders a conversation as Ollama's `qwen3-coder` renderer does. */
export function renderQwen3Coder({ messages, tools = [] }: RenderInput): string {
  let out = "";
  let system = "";
  const rest = messages.filter((m) => {
    if (m.role !== "system") return true;
    if (system === "") system = m.content;
    return false;
  });
  if (system !== "" || tools.length > 0) {
    out += "<|im_start|>system\n" + (system || DEFAULT_SYSTEM);
    if (tools.length > 0) {
      out += "\n\n# Tools\n\nYou have access to the following functions:\n\n<tools>";
      for (const tool of tools) out += toolXml(tool);
      out += "\n</tools>" + QWEN_TOOL_REMINDER;
    }
    out += "<|im_end|>\n";
  }
  rest.forEach((m, i) => {
    const last = i === rest.length - 1;
    const prefill = last && m.role === "assistant";
    if (m.role === "assistant") {
      out += "<|im_start|>assistant\n";
      if (m.tool_calls?.length) {
        if (m.content) out += m.content + "\n";
        for (const call of m.tool_calls) {
          out += `\n<tool_call>\n<function=${call.function.name}>`;
          for (const [name, value] of Object.entries(call.function.arguments ?? {})) {
            out += `\n<parameter=${name}>\n${xmlArgument(value)}\n</parameter>`;
          }
          out += "\n</function>\n</tool_call>";
        }
        out += "<|im_end|>\n";
      } else {
        out += m.content;
        if (!prefill) out += "<|im_end|>\n";
      }
    } else if (m.role === "tool") {
      if (i === 0 || rest[i - 1].role !== "tool") out += "<|im_start|>user";
      out += `\n<tool_response>\n${m.content}\n</tool_response>`;
      if (last || rest[i + 1].role !== "tool") out += "<|im_end|>\n";
    } else {
      out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
    }
    if (last && !prefill) out += "<|im_start|>assistant\n";
  });
  return out;
}
