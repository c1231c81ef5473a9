/**
 * Ollama's `glimmer` renderer: `<|start|>header<|message|>body<|eot|>` turns, a default system turn
 * with knowledge cutoff, today's date and the reasoning strength, tools as JSON schemas grouped by
 * namespace, calls as `<atem:function_calls>` blocks addressed `to=name`, thinking addressed
 * `to=self`, and tool outputs in `<tool_output>`.
 * @module
 */
import { goValue, marshalNoEscape, parametersJson, withSpaces } from "./go_values.ts";
import { imageTags, thinkOn } from "./shared.ts";
import type { Message, RenderInput, Tool } from "./types.ts";
import type { ToolCall } from "../../prompt/mod.ts";

const EOM = "<|eom|>";
const EOT = "<|eot|>";
const DEFAULT_SYSTEM = "You are a helpful AI assistant.";
const TOOLS_PREFIX = "In this environment you have access to a set of tools you can use to answer the user's question.\n" +
  'You can invoke a function by writing a "<atem:function_calls>" block like the following:\n<atem:function_calls>\n' +
  '<atem:invoke name="$FUNCTION_NAME">\n<atem:parameter name="$PARAMETER_NAME">$PARAMETER_VALUE</atem:parameter>\n...\n</atem:invoke>\n' +
  "</atem:function_calls>\nString and scalar parameters should be specified as is, while lists and objects should use JSON format. " +
  "Note that spaces for string values are not stripped. The output is not expected to be valid XML and is parsed with regular expressions.\n" +
  "Here are the functions available in JSONSchema format:\n// Tool metadata\n";
const TOOLS_SUFFIX = "\nHere's an example of how to call a function in the tool set:\n(If the tool namespace is not specified, invoke the function " +
  "directly as `example_function_name` rather than `example_tool_name.example_function_name`)\nto=example_tool_name.example_function_name\n" +
  '<atem:function_calls>\n<atem:invoke name="example_tool_name.example_function_name">\n<atem:parameter name="example_parameter_1">value_1</atem:parameter>\n' +
  '<atem:parameter name="example_parameter_2">This is the value for the second parameter\nthat can span\n"multiple" lines\n</atem:parameter>\n' +
  "</atem:invoke>\n</atem:function_calls>";

// Transformers' tojson: HTML unescaped, ", " and ": " separators.
const json = (v: unknown) => withSpaces(marshalNoEscape(v));

function namespaces(tools: readonly Tool[]): string[] {
  return [...new Set(tools.map((t) => t.function.name.split(".")[0]))];
}

function toolDefinitions(tools: readonly Tool[]): string {
  let out = TOOLS_PREFIX;
  for (const ns of namespaces(tools)) out += `{"name": ${json(ns)}, "description": ${json("")}}\n`;
  out += "// Function schemas";
  for (const t of tools) {
    out += `\n{"name": ${json(t.function.name)}, "description": ${json(t.function.description ?? "")}, "parameters": ${json(parametersJson(t))}}`;
  }
  return out + TOOLS_SUFFIX;
}

function system(content: string, tools: readonly Tool[], strength: string, date: string | undefined): string {
  if (date === undefined) {
    for (const [a, b] of [["Reasoning effort", "Reasoning strength"], ["Reasoning Effort", "Reasoning Strength"], ["reasoning effort", "reasoning strength"], ["REASONING EFFORT", "REASONING STRENGTH"]]) {
      content = content.replaceAll(a, b);
    }
  }
  let out = "<|start|>system<|message|>" + content;
  if (date !== undefined) out += `\nKnowledge cutoff: 2026-01-04.\nCurrent date: ${date}.`;
  if (date !== undefined || !content.toLowerCase().includes("reasoning strength")) out += `\n\nReasoning strength: ${strength}.`;
  if (tools.length > 0) out += "\n\n" + toolDefinitions(tools);
  out += '\n\n# Valid recipients: "self"' + namespaces(tools).map((ns) => `, "${ns}.*"`).join("") + ', "user".';
  return out + EOT;
}

function atem(call: ToolCall): string {
  let out = `<atem:function_calls>\n<atem:invoke name="${call.function.name}">\n`;
  for (const [name, value] of Object.entries(call.function.arguments ?? {})) {
    const text = value === null || value === undefined ? "null" : typeof value === "object" ? json(value) : goValue(value);
    out += `<atem:parameter name="${name}">${text}</atem:parameter>\n`;
  }
  return out + "</atem:invoke>\n</atem:function_calls>";
}

function resultName(m: Message, messages: readonly Message[]): string {
  if (m.tool_name) return m.tool_name;
  let name = m.tool_call_id ?? "";
  if (!name) return name;
  for (const c of messages) for (const call of c.tool_calls ?? []) if (call.id === m.tool_call_id) name = call.function.name;
  return name;
}

const isoDate = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

/** Renders a conversation as Ollama's `glimmer` renderer does. */
export function renderGlimmer({ messages, tools = [], think, now }: RenderInput): string {
  const strength = think === undefined ? "high" : !thinkOn(think) ? "none" : typeof think === "string" ? think : "high";
  let out = "<|begin_of_text|>";
  if (!messages.some((m) => m.role === "system")) out += system(DEFAULT_SYSTEM, tools, strength, isoDate(now ?? new Date()));
  let offset = 0;
  messages.forEach((m, i) => {
    let content: string;
    [content, offset] = imageTags(m.content, m.images?.length ?? 0, offset);
    const end = messages[i + 1]?.role === m.role ? EOM : EOT;
    if (m.role === "system") out += system(content, tools, strength, undefined);
    else if (m.role === "user") out += `<|start|>user<|message|>${content}${EOT}`;
    else if (m.role === "tool") {
      const name = resultName(m, messages);
      out += `<|start|>tool ${name}<|message|><tool_output name="${name}">\n${content}\n</tool_output>${EOT}`;
    } else if (m.role === "assistant") {
      if (m.thinking) out += `<|start|>assistant to=self<|message|>${m.thinking}${EOM}`;
      const calls = m.tool_calls ?? [];
      if (calls.length > 0) {
        calls.forEach((c, j) => {
          out += `<|start|>assistant to=${c.function.name}<|message|>${atem(c)}${j + 1 === calls.length ? end : EOM}`;
        });
      } else if (content !== "" || !m.thinking) {
        out += `<|start|>assistant to=user<|message|>${content}${EOT}`;
      }
    }
  });
  return out + "<|start|>assistant";
}
