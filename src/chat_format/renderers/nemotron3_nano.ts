/**
 * Ollama's `nemotron-3-nano` and `nemotron-3.5-nano` renderers: ChatML with an always-present system turn,
 * tools as XML with Python-style JSON values, XML calls, reasoning truncated before the last user
 * turn, `/think` and `/no_think` toggles (3 only), and a generation prompt opening `<think>` or
 * closing an empty one.
 * @module
 */
import { goValue, marshal } from "./go_values.ts";
import { QWEN_TOOL_REMINDER } from "./qwen3_coder.ts";
import { imageTags, thinkOn, trimSpace } from "./shared.ts";
import type { Message, Renderer, Tool } from "./types.ts";
import type { ToolProperty } from "../../prompt/mod.ts";

// Python's json.dumps with its default separators; ToolProperty fields in struct order, maps sorted.
function pyJson(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean" || typeof v === "number") return marshal(v);
  if (Array.isArray(v)) return `[${v.map(pyJson).join(", ")}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`).join(", ")}}`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}: ${pyJson(o[k])}`).join(", ")}}`;
}

function types(t: ToolProperty["type"]): string[] {
  return t === undefined ? [] : Array.isArray(t) ? t : [t];
}

function propertyPy(p: ToolProperty): string {
  const parts: string[] = [];
  if (p.anyOf?.length) parts.push(`"anyOf": [${p.anyOf.map(propertyPy).join(", ")}]`);
  const t = types(p.type);
  if (t.length === 1) parts.push(`"type": ${pyJson(t[0])}`);
  else if (t.length > 1) parts.push(`"type": ${pyJson(t)}`);
  if (p.items !== undefined && p.items !== null) parts.push(`"items": ${pyJson(p.items)}`);
  if (p.description) parts.push(`"description": ${pyJson(p.description)}`);
  if (p.enum?.length) parts.push(`"enum": ${pyJson(p.enum)}`);
  if (p.properties) parts.push(`"properties": ${propertiesPy(p.properties)}`);
  if (p.required?.length) parts.push(`"required": ${pyJson(p.required)}`);
  return `{${parts.join(", ")}}`;
}

function propertiesPy(props: Record<string, ToolProperty>): string {
  return `{${Object.entries(props).map(([k, p]) => `${JSON.stringify(k)}: ${propertyPy(p)}`).join(", ")}}`;
}

// The template's printing of a value: JSON for mappings and lists, Python's str() for scalars.
function templateValue(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "object") return pyJson(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  return goValue(v);
}

function toolsXml(tools: readonly Tool[]): string {
  let out = "# Tools\n\nYou have access to the following functions:\n\n<tools>";
  for (const tool of tools) {
    const fn = tool.function;
    out += `\n<function>\n<name>${fn.name}</name>`;
    if (fn.description) out += `\n<description>${trimSpace(fn.description)}</description>`;
    out += "\n<parameters>";
    for (const [name, p] of Object.entries(fn.parameters?.properties ?? {}) as [string, ToolProperty][]) {
      out += `\n<parameter>\n<name>${name}</name>`;
      const t = types(p.type);
      if (t.length > 0) out += `\n<type>${t.length === 1 ? t[0] : `[${t.map((x) => `'${x}'`).join(", ")}]`}</type>`;
      if (p.description) out += `\n<description>${trimSpace(p.description)}</description>`;
      if (p.enum?.length) out += `\n<enum>${pyJson(p.enum)}</enum>`;
      if (p.anyOf?.length) out += `\n<anyOf>[${p.anyOf.map(propertyPy).join(", ")}]</anyOf>`;
      if (p.items !== undefined && p.items !== null) out += `\n<items>${pyJson(p.items)}</items>`;
      if (p.properties) out += `\n<properties>${propertiesPy(p.properties)}</properties>`;
      if (p.required?.length) out += `\n<required>${pyJson(p.required)}</required>`;
      out += "\n</parameter>";
    }
    const params = fn.parameters ?? {};
    if (params.$defs !== undefined && params.$defs !== null) out += `\n<$defs>${templateValue(params.$defs)}</$defs>`;
    if (params.items !== undefined && params.items !== null) out += `\n<items>${templateValue(params.items)}</items>`;
    if (params.required?.length) out += `\n<required>${pyJson(params.required)}</required>`;
    out += "\n</parameters>\n</function>";
  }
  return out + "\n</tools>" + QWEN_TOOL_REMINDER;
}

// The template deletes /think and /no_think once read, keeping a real </think>.
function stripToggles(s: string): string {
  return s.replaceAll("</think>", "<_end_think>").replaceAll("/think", "").replaceAll("/no_think", "").replaceAll("<_end_think>", "</think>");
}

function makeNemotron(v35: boolean): Renderer {
  return ({ messages, tools = [], think }) => {
    let thinking = think === undefined || thinkOn(think);
    if (!v35) {
      for (const m of messages) {
        if (m.role !== "user" && m.role !== "system") continue;
        if (m.content.replaceAll("</think>", "").includes("/think")) thinking = true;
        else if (m.content.includes("/no_think")) thinking = false;
      }
    }
    const medium = v35 && think === "medium";
    const hasSystem = messages[0]?.role === "system";
    const system = hasSystem ? (v35 ? messages[0].content : stripToggles(messages[0].content)) : "";
    const loop = hasSystem ? messages.slice(1) : messages;
    const lastUser = loop.findLastIndex((m) => m.role === "user");
    let out = "<|im_start|>system\n" + system;
    if (tools.length > 0) out += (system ? "\n\n" : "") + toolsXml(tools);
    out += "<|im_end|>\n";
    let offset = 0;
    const content = (m: Message) => {
      const text = m.images?.length ? imageTags(m.content, m.images.length, offset)[0] : m.content;
      offset += m.images?.length ?? 0;
      return text;
    };
    loop.forEach((m, i) => {
      if (m.role === "assistant") {
        const built = m.thinking
          ? (v35 ? `<think>\n${m.thinking}</think>${m.content}` : `<think>\n${m.thinking}\n</think>\n${m.content}`)
          : !m.content.includes("<think>") && !m.content.includes("</think>") ? "<think></think>" + m.content : m.content;
        const truncate = i < lastUser;
        out += "<|im_start|>assistant\n";
        if (m.tool_calls?.length) {
          let c = built;
          if (trimSpace(c) === "") out += "<think></think>";
          else if (!truncate) out += trimSpace(c) + "\n";
          else {
            if (c.includes("</think>")) c = c.split("</think>").at(-1)!;
            else if (c.includes("<think>")) c = c.split("<think>")[0];
            out += trimSpace("<think></think>" + trimSpace(c)) + "\n";
          }
          for (const call of m.tool_calls) {
            out += `<tool_call>\n<function=${call.function.name}>\n`;
            for (const [k, v] of Object.entries(call.function.arguments ?? {})) out += `<parameter=${k}>\n${templateValue(v)}\n</parameter>\n`;
            out += "</function>\n</tool_call>\n";
          }
        } else {
          let c = built;
          if (truncate && c.includes("<think>") && c.includes("</think>")) c = "<think></think>" + c.split("</think>").at(-1)!;
          out += trimSpace(c);
        }
        out += "<|im_end|>\n";
      } else if (m.role === "user" || m.role === "system") {
        let c = content(m);
        if (!v35) c = trimSpace(stripToggles(c));
        else if (m.role === "user" && i === lastUser && medium) c += "\n\n{reasoning effort: efficient}";
        out += `<|im_start|>${m.role}\n${c}<|im_end|>\n`;
      } else if (m.role === "tool") {
        const c = content(m);
        if (i > 0 && loop[i - 1].role !== "tool") out += "<|im_start|>user\n";
        out += `<tool_response>\n${c}\n</tool_response>\n`;
        if (loop[i + 1]?.role !== "tool") out += "<|im_end|>\n";
      } else {
        out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
      }
    });
    return out + (thinking ? "<|im_start|>assistant\n<think>\n" : "<|im_start|>assistant\n<think></think>");
  };
}

/** Ollama's `nemotron-3-nano` renderer. */
export const renderNemotron3Nano: Renderer = makeNemotron(false);
/** Ollama's `nemotron-3.5-nano` renderer. */
export const renderNemotron35Nano: Renderer = makeNemotron(true);
