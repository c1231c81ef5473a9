/**
 * Ollama's `lfm2` / `lfm2-thinking` renderers (Liquid's LFM2): `<|startoftext|>`, the first system
 * turn carrying `List of tools: <|tool_list_start|>[…]<|tool_list_end|>`, calls as Python-style
 * `<|tool_call_start|>[name(key=json)]<|tool_call_end|>`, tool results wrapped in response tags,
 * and earlier reasoning dropped unless the thinking variant keeps it.
 * @module
 */
import { functionJson, marshalNoEscape } from "./go_values.ts";
import { imageTags, thinkOn, trimSpace } from "./shared.ts";
import type { Renderer } from "./types.ts";
import type { ToolCall } from "../../prompt/mod.ts";

// HF's `tojson`: a space after `:` and `,` outside strings, HTML left unescaped.
function lfm2Json(value: unknown): string {
  const json = marshalNoEscape(value);
  let out = "";
  let inStr = false;
  let esc = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    out += c;
    if (inStr) {
      if (esc) esc = false;
      else if (c === "\\") esc = true;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if ((c === ":" || c === ",") && i + 1 < json.length && !" \n\r\t".includes(json[i + 1])) out += " ";
  }
  return out;
}

function toolCalls(calls: readonly ToolCall[]): string {
  return "<|tool_call_start|>[" + calls.map((c) => {
    const args = c.function.arguments ?? {};
    return `${c.function.name}(${Object.keys(args).sort().map((k) => `${k}=${lfm2Json(args[k])}`).join(",")})`;
  }).join(",") + "]<|tool_call_end|>";
}

function makeLfm2(isThinking: boolean): Renderer {
  return ({ messages, tools = [], think }) => {
    let out = "<|startoftext|>";
    let system = "";
    const start = messages[0]?.role === "system" ? 1 : 0;
    if (start) system = messages[0].content;
    if (tools.length > 0) {
      if (system) system += "\n";
      system += "List of tools: <|tool_list_start|>[" +
        tools.map((t) => lfm2Json(t.function.name ? functionJson(t) : t)).join(", ") + "]<|tool_list_end|>";
    }
    if (system) out += `<|im_start|>system\n${system}<|im_end|>\n`;
    const keepThinking = isThinking && thinkOn(think);
    let lastAssistant = -1;
    for (let i = messages.length - 1; i >= start; i--) {
      if (messages[i].role === "assistant") {
        lastAssistant = i;
        break;
      }
    }
    let offset = start ? messages[0].images?.length ?? 0 : 0;
    for (let i = start; i < messages.length; i++) {
      const m = messages[i];
      const prefill = i === messages.length - 1 && m.role === "assistant";
      out += `<|im_start|>${m.role}\n`;
      let content = m.content;
      if (m.images?.length) content = imageTags(content, m.images.length, offset)[0];
      offset += m.images?.length ?? 0;
      if (m.role === "assistant" && m.tool_calls?.length && !content.includes("<|tool_call_start|>")) {
        content = toolCalls(m.tool_calls) + (trimSpace(content) === "" ? "" : "\n") + content;
      }
      if (isThinking && m.role === "assistant" && m.thinking && !content.includes("</think>")) {
        content = `<think>${m.thinking}</think>${content}`;
      }
      if (m.role === "assistant" && !keepThinking && i !== lastAssistant) {
        const idx = content.lastIndexOf("</think>");
        if (idx >= 0) content = trimSpace(content.slice(idx + 8));
      }
      if (m.role === "tool" && !content.includes("<|tool_response_start|>")) {
        content = `<|tool_response_start|>${content}<|tool_response_end|>`;
      }
      out += content;
      if (!prefill) out += "<|im_end|>\n";
    }
    if (messages.at(-1)?.role !== "assistant") out += "<|im_start|>assistant\n";
    return out;
  };
}

/** Ollama's `lfm2` renderer. */
export const renderLfm2: Renderer = makeLfm2(false);
/** Ollama's `lfm2-thinking` renderer. */
export const renderLfm2Thinking: Renderer = makeLfm2(true);
