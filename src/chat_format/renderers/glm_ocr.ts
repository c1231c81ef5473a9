/**
 * Ollama's `glm-ocr` renderer: GLM's turn markers with newlines, image placeholders in user turns,
 * `/nothink` on user turns when thinking is turned off, and an empty think block before every answer.
 * @module
 */
import { glmArguments, glmToolsSystem } from "./glm47.ts";
import { imageTags, thinkOn, trimSpace } from "./shared.ts";
import type { RenderInput } from "./types.ts";

/** Renders a conversation as Ollama's `glm-ocr` renderer does. */
export function renderGlmOcr({ messages, tools = [], think }: RenderInput): string {
  const noThink = think !== undefined && !thinkOn(think);
  let out = "[gMASK]<sop>" + glmToolsSystem(tools);
  let offset = 0;
  messages.forEach((m, i) => {
    if (m.role === "user") {
      let text: string;
      [text, offset] = imageTags(m.content, m.images?.length ?? 0, offset);
      out += "<|user|>\n" + text;
      if (noThink && !m.content.endsWith("/nothink")) out += "/nothink";
    } else if (m.role === "assistant") {
      out += "<|assistant|>\n" + (m.thinking ? `<think>${trimSpace(m.thinking)}</think>` : "<think></think>");
      if (m.content) out += "\n" + trimSpace(m.content);
      for (const call of m.tool_calls ?? []) out += `\n<tool_call>${call.function.name}${glmArguments(call.function.arguments)}</tool_call>`;
      out += "\n";
    } else if (m.role === "tool") {
      if (i === 0 || messages[i - 1].role !== "tool") out += "<|observation|>";
      let text: string;
      [text, offset] = imageTags(m.content, m.images?.length ?? 0, offset);
      out += `\n<tool_response>\n${text}\n</tool_response>\n`;
    } else if (m.role === "system") out += `<|system|>\n${m.content}\n`;
  });
  return out + "<|assistant|>\n" + (noThink ? "<think></think>\n" : "");
}
