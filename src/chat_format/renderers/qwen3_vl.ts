/**
 * Ollama's `qwen3-vl-instruct` / `qwen3-vl-thinking` renderers: ChatML with Hermes-style JSON tool
 * calls (`<tool_call>{"name": …, "arguments": …}</tool_call>`), thinking kept only after the last
 * real user query, and `<think>` opened by the generation prompt when thinking.
 * @module
 */
import { argumentsJson, marshal, toolJson, withSpaces } from "./go_values.ts";
import { imageTags, thinkOn, trimLeftChars, trimRightChars } from "./shared.ts";
import type { Message, Renderer } from "./types.ts";

const TOOLS_HEAD = "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
  "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";
const TOOLS_TAIL = "\n</tools>\n\nFor each function call, return a json object with function name and arguments within " +
  '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n';

const isToolResponse = (c: string) => c.startsWith("<tool_response>") && c.endsWith("</tool_response>");

function makeQwen3VL(defaultThinking: boolean): Renderer {
  return ({ messages, tools = [], think }) => {
    const thinking = think === undefined ? defaultThinking : thinkOn(think);
    const content = (m: Message, offset: number) => imageTags(m.content, m.images?.length ?? 0, offset);
    let out = "";
    if (tools.length > 0) {
      out += "<|im_start|>system\n";
      if (messages[0]?.role === "system") out += messages[0].content + "\n\n";
      out += TOOLS_HEAD;
      for (const tool of tools) out += "\n" + withSpaces(marshal(toolJson(tool)));
      out += TOOLS_TAIL;
    } else if (messages[0]?.role === "system") {
      out += `<|im_start|>system\n${messages[0].content}<|im_end|>\n`;
    }
    let lastQuery = messages.length - 1;
    for (let i = messages.length - 1; i >= 0; i--) {
      if (messages[i].role === "user" && !isToolResponse(content(messages[i], 0)[0])) {
        lastQuery = i;
        break;
      }
    }
    let offset = 0;
    messages.forEach((m, i) => {
      let text: string;
      [text, offset] = content(m, offset);
      const last = i === messages.length - 1;
      const prefill = last && m.role === "assistant";
      if (m.role === "user" || (m.role === "system" && i !== 0)) {
        out += `<|im_start|>${m.role}\n${text}<|im_end|>\n`;
      } else if (m.role === "assistant") {
        const reasoning = thinking ? m.thinking ?? "" : "";
        if (thinking && i > lastQuery && (last || reasoning !== "")) {
          out += "<|im_start|>assistant\n<think>\n" + trimRightChars(trimLeftChars(reasoning, "\n"), "\n");
          if (text !== "") out += "\n</think>\n\n" + trimLeftChars(text, "\n");
        } else {
          out += "<|im_start|>assistant\n" + text;
        }
        (m.tool_calls ?? []).forEach((call, j) => {
          if (j > 0 || text !== "") out += "\n";
          out += `<tool_call>\n{"name": "${call.function.name}", "arguments": ` +
            withSpaces(marshal(argumentsJson(call.function.arguments))) + "}\n</tool_call>";
        });
        if (!prefill) out += "<|im_end|>\n";
      } else if (m.role === "tool") {
        if (i === 0 || messages[i - 1].role !== "tool") out += "<|im_start|>user";
        out += `\n<tool_response>\n${text}\n</tool_response>`;
        if (last || messages[i + 1].role !== "tool") out += "<|im_end|>\n";
      }
      if (last && !prefill) out += "<|im_start|>assistant\n" + (thinking ? "<think>\n" : "");
    });
    return out;
  };
}

/** Ollama's `qwen3-vl-instruct` renderer. */
export const renderQwen3VLInstruct: Renderer = makeQwen3VL(false);
/** Ollama's `qwen3-vl-thinking` renderer. */
export const renderQwen3VLThinking: Renderer = makeQwen3VL(true);
