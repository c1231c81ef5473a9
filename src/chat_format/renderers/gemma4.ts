/**
 * Ollama's `gemma4` / `gemma4-small` / `gemma4-large` renderers: `<|turn>` turns, a system turn with
 * `<|think|>` when thinking and the tools' declarations, calls as `<|tool_call>call:name{…}`, tool
 * results folded into the model turn that made the calls, thoughts of the current turn in a
 * `<|channel>thought` block, and (large) an empty thought block when not thinking.
 * @module
 */
import { gemma4Declaration, gemma4Value, Q } from "./gemma4_schema.ts";
import { imageTags, thinkOn, trimSpace } from "./shared.ts";
import type { Message, Renderer } from "./types.ts";
import type { ToolCall } from "../../prompt/mod.ts";

// The template's strip_thinking: thought channels dropped from earlier model content.
function stripThinking(text: string): string {
  let out = "";
  for (;;) {
    const start = text.indexOf("<|channel>");
    if (start === -1) {
      out += text;
      break;
    }
    out += text.slice(0, start);
    const end = text.indexOf("<channel|>", start);
    if (end === -1) break;
    text = text.slice(end + 10);
  }
  return trimSpace(out);
}

function call(c: ToolCall): string {
  const args = c.function.arguments ?? {};
  return `<|tool_call>call:${c.function.name}{${Object.keys(args).sort().map((k) => `${k}:${gemma4Value(args[k])}`).join(",")}}<tool_call|>`;
}

function responseName(m: Message, calls: readonly ToolCall[]): string {
  let name = m.tool_name || "unknown";
  if (m.tool_call_id) {
    const match = calls.find((c) => c.id === m.tool_call_id);
    if (match) name = match.function.name;
  }
  return name;
}

function makeGemma4(emptyBlockOnNoThink: boolean): Renderer {
  return ({ messages, tools = [], think }) => {
    let offset = 0;
    const content = (m: Message, trim: boolean) => {
      let text = trim ? trimSpace(m.content) : m.content;
      if (m.images?.length) [text, offset] = imageTags(text, m.images.length, offset);
      return text;
    };
    let out = "<bos>";
    const hasSystem = messages[0]?.role === "system" || messages[0]?.role === "developer";
    const loop = hasSystem ? messages.slice(1) : messages;
    const thinking = think !== undefined && thinkOn(think);
    if (hasSystem || tools.length > 0 || thinking) {
      out += "<|turn>system\n";
      if (thinking) out += "<|think|>\n";
      if (hasSystem && messages[0].content) out += trimSpace(messages[0].content);
      for (const tool of tools) out += gemma4Declaration(tool);
      out += "<turn|>\n";
    }
    const lastUser = loop.findLastIndex((m) => m.role === "user");
    let prevType = "";
    let prevRole = "";
    const nextRole = (i: number) => loop.slice(i + 1).find((m) => m.role !== "tool")?.role ?? "";
    loop.forEach((m, i) => {
      if (m.role === "tool") return;
      prevType = "";
      const role = m.role === "assistant" ? "model" : m.role;
      // adjacent assistant messages continue one model turn
      if (!(role === "model" && prevRole === "assistant")) out += `<|turn>${role}\n`;
      if (m.role === "assistant" && m.thinking && i > lastUser) out += `<|channel>thought\n${m.thinking}\n<channel|>`;
      const calls = m.tool_calls ?? [];
      for (const c of calls) out += call(c);
      if (calls.length > 0) prevType = "tool_call";
      let responded = false;
      if (calls.length > 0) {
        for (let k = i + 1; k < loop.length && loop[k].role === "tool"; k++) {
          out += `<|tool_response>response:${responseName(loop[k], calls)}{value:${gemma4Value(content(loop[k], false))}}<tool_response|>`;
          responded = true;
          prevType = "tool_response";
        }
      }
      let hadContent = false;
      if (role === "model") {
        if (m.content !== "" || m.images?.length) {
          const stripped = { ...m, content: stripThinking(m.content) };
          out += content(stripped, false);
          hadContent = trimSpace(stripped.content) !== "" || !!m.images?.length;
        }
      } else {
        out += content(m, true);
        hadContent = trimSpace(m.content) !== "" || !!m.images?.length;
      }
      const next = nextRole(i);
      const continues = role === "model" && next === "assistant" && (calls.length === 0 || responded);
      if (prevType === "tool_call" && !responded) out += "<|tool_response>";
      else if (!continues && !(responded && !hadContent && next === "")) out += "<turn|>\n";
      prevRole = m.role;
    });
    if (prevType !== "tool_response" && prevType !== "tool_call") {
      out += "<|turn>model\n";
      if (emptyBlockOnNoThink && !thinking) out += "<|channel>thought\n<channel|>";
    } else if (prevType === "tool_response" && thinking) {
      out += "<|channel>thought\n";
    }
    return out;
  };
}

/** Ollama's `gemma4-small` renderer (e2b/e4b; also `gemma4` when the model's size does not say large). */
export const renderGemma4Small: Renderer = makeGemma4(false);
/** Ollama's `gemma4-large` renderer (12b/26b/31b): an empty thought block opens the answer when not thinking. */
export const renderGemma4Large: Renderer = makeGemma4(true);
export { Q as GEMMA4_QUOTE };
