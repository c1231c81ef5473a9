/**
 * Ollama's `qwen3.5` renderer and its variants `ornith` (every assistant turn keeps its think block)
 * and `qwen3.8` (one leading system turn, reasoning-effort instructions): ChatML, tools as spaced
 * JSON, XML calls, thinking kept after the last real user query, and a generation prompt that opens
 * `<think>` (or writes an empty block when thinking is off).
 * @module
 */
import { marshal, toolJson, withSpaces } from "./go_values.ts";
import { QWEN_TOOL_REMINDER, xmlArgument } from "./qwen3_coder.ts";
import { imageTags, thinkLevel, thinkOn, trimLeftChars, trimSpace } from "./shared.ts";
import type { Message, RenderInput, Renderer } from "./types.ts";

interface Qwen35Options {
  alwaysThinkBlock?: boolean;
  qwen38?: boolean;
}

const XHIGH = "Reasoning effort is set to xhigh. Please think carefully through the task, validate key assumptions, " +
  "consider plausible alternatives, and prioritize correctness, consistency, and clarity in the final answer.";
const LOW = "Reasoning effort is set to low. Keep your thinking brief and focused, moving directly to the conclusion without unnecessary elaboration.";

function reasoningInstructions(think: RenderInput["think"]): string {
  if (think === undefined) return XHIGH;
  if (!thinkOn(think)) return "";
  const level = thinkLevel(think);
  return level === "low" ? LOW : level === "medium" ? "" : XHIGH;
}

// Qwen3.8 takes one leading system turn: every system/developer message folds into it, in order.
function normalizeQwen38(messages: readonly Message[]): readonly Message[] {
  let count = 0;
  const instructions: string[] = [];
  for (const m of messages) {
    if (m.role !== "system" && m.role !== "developer") continue;
    if (m.images?.length) throw new Error(`${m.role} message cannot contain images`);
    count++;
    const c = trimSpace(m.content);
    if (c) instructions.push(c);
  }
  if (count === 0 || (count === 1 && messages[0].role === "system")) return messages;
  return [
    { role: "system", content: instructions.join("\n\n") },
    ...messages.filter((m) => m.role !== "system" && m.role !== "developer"),
  ];
}

const isToolResponse = (c: string) => c.startsWith("<tool_response>") && c.endsWith("</tool_response>");

function splitReasoning(content: string, thinking: string, useThinking: boolean, extractTagged: boolean): [string, string] {
  if (useThinking && thinking) return [trimSpace(thinking), content];
  if (!extractTagged) return ["", content];
  let reasoning = "";
  const idx = content.indexOf("</think>");
  if (idx !== -1) {
    const before = content.slice(0, idx);
    const open = before.lastIndexOf("<think>");
    reasoning = open !== -1 ? before.slice(open + 7) : before;
    content = trimLeftChars(content.slice(idx + 8), "\n");
  }
  return [trimSpace(reasoning), content];
}

function makeQwen35(options: Qwen35Options): Renderer {
  return ({ messages: input, tools = [], think }) => {
    const messages = options.qwen38 ? normalizeQwen38(input) : input;
    const content = (m: Message, offset: number) => imageTags(m.content, m.images?.length ?? 0, offset);
    if (options.qwen38) {
      if (messages.length === 0) throw new Error("no messages provided");
      if (messages[0].role === "system" && messages[0].images?.length) throw new Error("system message cannot contain images");
      if (!messages.some((m) => m.role === "user" && !isToolResponse(trimSpace(content(m, 0)[0])))) {
        throw new Error("no user query found in messages");
      }
    }
    const thinking = think === undefined ? true : thinkOn(think);
    const instructions = options.qwen38 ? reasoningInstructions(think) : "";
    let out = "";
    const first = messages[0];
    if (tools.length > 0) {
      out += "<|im_start|>system\n";
      if (instructions) out += instructions + "\n\n";
      out += "# Tools\n\nYou have access to the following functions:\n\n<tools>";
      for (const tool of tools) out += "\n" + withSpaces(marshal(toolJson(tool)));
      out += "\n</tools>" + QWEN_TOOL_REMINDER;
      if (first?.role === "system") {
        const system = trimSpace(content(first, 0)[0]);
        if (system) out += "\n\n" + system;
      }
      out += "<|im_end|>\n";
    } else if (first?.role === "system") {
      const system = trimSpace(content(first, 0)[0]);
      if (!options.qwen38 || system || instructions) {
        out += "<|im_start|>system\n";
        if (instructions) out += instructions + (system ? "\n\n" : "");
        out += system + "<|im_end|>\n";
      }
    } else if (instructions) {
      out += `<|im_start|>system\n${instructions}<|im_end|>\n`;
    }

    let lastQuery = messages.length - 1;
    for (let i = messages.length - 1; i >= 0; i--) {
      if (messages[i].role === "user" && !isToolResponse(trimSpace(content(messages[i], 0)[0]))) {
        lastQuery = i;
        break;
      }
    }

    let offset = 0;
    messages.forEach((m, i) => {
      let text: string;
      [text, offset] = content(m, offset);
      text = trimSpace(text);
      const last = i === messages.length - 1;
      const prefill = last && m.role === "assistant";
      if (m.role === "user" || (m.role === "system" && i !== 0)) {
        out += `<|im_start|>${m.role}\n${text}<|im_end|>\n`;
      } else if (m.role === "assistant") {
        const block = !!options.alwaysThinkBlock || (thinking && i > lastQuery);
        const [reasoning, rest] = splitReasoning(text, m.thinking ?? "", block, !options.qwen38);
        out += block ? `<|im_start|>assistant\n<think>\n${reasoning}\n</think>\n\n${rest}` : `<|im_start|>assistant\n${rest}`;
        (m.tool_calls ?? []).forEach((call, j) => {
          if (j > 0) out += "\n";
          else if (trimSpace(rest) !== "") out += "\n\n";
          out += `<tool_call>\n<function=${call.function.name}>\n`;
          for (const [name, value] of Object.entries(call.function.arguments ?? {})) {
            out += `<parameter=${name}>\n${xmlArgument(value)}\n</parameter>\n`;
          }
          out += "</function>\n</tool_call>";
        });
        if (!prefill) out += "<|im_end|>\n";
      } else if (m.role === "tool") {
        if (i === 0 || messages[i - 1].role !== "tool") out += "<|im_start|>user";
        out += `\n<tool_response>\n${text}\n</tool_response>`;
        if (last || messages[i + 1].role !== "tool") out += "<|im_end|>\n";
      } else if (options.qwen38 && m.role !== "system") {
        out += `<|im_start|>${m.role}\n${text}<|im_end|>\n`;
      }
      if (last && !prefill) out += "<|im_start|>assistant\n" + (thinking ? "<think>\n" : "<think>\n\n</think>\n\n");
    });
    return out;
  };
}

/** Ollama's `qwen3.5` renderer. */
export const renderQwen35: Renderer = makeQwen35({});
/** Ollama's `ornith` renderer: Qwen 3.5 with every assistant turn's think block kept. */
export const renderOrnith: Renderer = makeQwen35({ alwaysThinkBlock: true });
/** Ollama's `qwen3.8` renderer. */
export const renderQwen38: Renderer = makeQwen35({ alwaysThinkBlock: true, qwen38: true });
