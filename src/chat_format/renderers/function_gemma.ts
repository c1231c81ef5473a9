/**
 * Ollama's `functiongemma` renderer: Gemma turns with a `developer` turn declaring the functions in
 * FunctionGemma's `<escape>`-quoted syntax, calls as `<start_function_call>call:name{k:v}`, and tool
 * results as `response:name{…}` in the model's turn.
 * @module
 */
import { goValue } from "./go_values.ts";
import { trimSpace } from "./shared.ts";
import type { RenderInput, Tool } from "./types.ts";
import type { ToolCall } from "../../prompt/mod.ts";

const DEFAULT_SYSTEM = "You can do function calling with the following functions:";

/** A value in FunctionGemma's syntax: strings `<escape>`-quoted, maps with sorted keys, integers without a point. */
export function functionGemmaValue(v: unknown): string {
  if (typeof v === "string") return `<escape>${v}<escape>`;
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v).toString() : goValue(v);
  if (Array.isArray(v)) return `[${v.map(functionGemmaValue).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${k}:${functionGemmaValue(o[k])}`).join(",")}}`;
  }
  return goValue(v);
}

function declaration(tool: Tool): string {
  const fn = tool.function;
  const p = fn.parameters ?? {};
  let out = `<start_function_declaration>declaration:${fn.name}{description:<escape>${fn.description ?? ""}<escape>`;
  if (p.properties || p.type) {
    const parts: string[] = [];
    const props = p.properties ?? {};
    if (Object.keys(props).length > 0) {
      parts.push("properties:{" + Object.keys(props).sort().map((name) => {
        const prop = props[name];
        const types = prop.type === undefined ? [] : Array.isArray(prop.type) ? prop.type : [prop.type];
        return `${name}:{description:<escape>${prop.description ?? ""}<escape>` +
          (types.length > 0 ? `,type:<escape>${types[0].toUpperCase()}<escape>` : "") + "}";
      }).join(",") + "}");
    }
    if (p.required?.length) parts.push(`required:[${p.required.map((r) => `<escape>${r}<escape>`).join(",")}]`);
    if (p.type) parts.push(`type:<escape>${p.type.toUpperCase()}<escape>`);
    out += `,parameters:{${parts.join(",")}}`;
  }
  return out + "}<end_function_declaration>";
}

function call(c: ToolCall): string {
  const args = c.function.arguments ?? {};
  return `<start_function_call>call:${c.function.name}{` +
    Object.keys(args).sort().map((k) => `${k}:${functionGemmaValue(args[k])}`).join(",") + "}<end_function_call>";
}

/** Renders a conversation as Ollama's `functiongemma` renderer does. */
export function renderFunctionGemma({ messages, tools = [] }: RenderInput): string {
  let out = "<bos>";
  const hasSystem = messages[0]?.role === "system" || messages[0]?.role === "developer";
  const system = hasSystem ? messages[0].content : "";
  const loop = hasSystem ? messages.slice(1) : messages;
  if (system || tools.length > 0) {
    out += "<start_of_turn>developer\n" + trimSpace(system);
    if (tools.length > 0) {
      if (system) out += "\n";
      if (trimSpace(system) !== DEFAULT_SYSTEM) out += DEFAULT_SYSTEM;
    }
    for (const tool of tools) out += declaration(tool);
    out += "<end_of_turn>\n";
  }
  let prev = "";
  loop.forEach((m, i) => {
    if (m.role === "assistant") {
      if (prev !== "tool_response") out += "<start_of_turn>model\n";
      prev = "";
      out += trimSpace(m.content);
      if (m.tool_calls?.length) {
        for (const c of m.tool_calls) out += call(c);
        if (loop[i + 1]?.role === "tool") {
          out += "<start_function_response>";
          prev = "tool_call";
        } else out += "<end_of_turn>\n";
      } else out += "<end_of_turn>\n";
    } else if (m.role === "user") {
      if (prev !== "tool_response") out += "<start_of_turn>user\n";
      prev = "";
      out += trimSpace(m.content) + "<end_of_turn>\n";
    } else if (m.role === "tool") {
      // the name of the call this result answers: the same position among the results after it
      let name = "";
      for (let j = i - 1; j >= 0; j--) {
        const calls = loop[j].tool_calls;
        if (loop[j].role === "assistant" && calls?.length) {
          const index = loop.slice(j + 1, i).filter((x) => x.role === "tool").length;
          if (index < calls.length) name = calls[index].function.name;
          break;
        }
      }
      if (prev !== "tool_call") out += "<start_function_response>";
      out += `response:${name}{${functionGemmaValue(m.content)}}<end_function_response>`;
      prev = "tool_response";
    } else {
      out += `<start_of_turn>${m.role}\n${trimSpace(m.content)}<end_of_turn>\n`;
    }
  });
  if (prev !== "tool_response") out += "<start_of_turn>model\n";
  return out;
}
