/**
 * The `PromptRenderer` the routes use, over prompt/: a model's Go TEMPLATE (or generate's `template` override)
 * rendered as Ollama does, else the GGUF's Jinja chat template, else Ollama's default `{{ .Prompt }}`; truncation
 * to num_ctx; and the output parser (thinking split, then tool calls) for the template's tags.
 * @module
 */
import {
  buildPrompt,
  ChatTemplate,
  DEFAULT_TEMPLATE,
  type Message as PromptMessage,
  OutputParser,
  type OutputParserOptions,
  type Think,
  type Tool as PromptTool,
} from "../prompt/mod.ts";
import type { PromptRenderer, ResolvedModel } from "./deps.ts";
import type { Message, Tool } from "./schemas.ts";

/** Our wire messages as prompt/ reads them (null fields dropped). */
function promptMessages(messages: Message[]): PromptMessage[] {
  return messages.map((m) => {
    const out: PromptMessage = { role: m.role, content: m.content ?? "" };
    if (m.thinking) out.thinking = m.thinking;
    if (m.images?.length) out.images = m.images;
    if (m.tool_calls?.length) {
      out.tool_calls = m.tool_calls.map((c) => ({
        ...(c.id ? { id: c.id } : {}),
        function: { index: c.function.index ?? undefined, name: c.function.name, arguments: c.function.arguments ?? {} },
      }));
    }
    if (m.tool_name) out.tool_name = m.tool_name;
    if (m.tool_call_id) out.tool_call_id = m.tool_call_id;
    return out;
  });
}

/** Which template renders for a model: its Go template, else the GGUF's Jinja one, else `{{ .Prompt }}`. */
function pick(model: ResolvedModel, override?: string, chatTemplate?: string): { go: string } | { jinja: string } {
  const go = override || model.template;
  if (go) return { go };
  if (chatTemplate) return { jinja: chatTemplate };
  return { go: DEFAULT_TEMPLATE };
}

function jinjaThinkingTags(text: string): { openTag: string; closeTag: string } {
  return text.includes("<think>") ? { openTag: "<think>", closeTag: "</think>" } : { openTag: "", closeTag: "" };
}

function jinjaToolTags(text: string): { tag: string; closeTag: string } {
  return text.includes("<tool_call>") ? { tag: "<tool_call>", closeTag: "</tool_call>" } : { tag: "{", closeTag: "" };
}

/** The renderer over prompt/. */
export const promptRenderer: PromptRenderer = {
  async render(input) {
    const template = input.template || input.model.template;
    const built = await buildPrompt({
      template,
      chatTemplate: template ? undefined : input.chatTemplate,
      messages: promptMessages(input.messages),
      tools: input.tools as unknown as PromptTool[] | undefined,
      think: input.think as Think | undefined,
      prompt: input.suffix?.prompt,
      suffix: input.suffix?.suffix,
      truncate: input.truncate,
    });
    return built.prompt;
  },

  toolCallTag(model, chatTemplate) {
    const chosen = pick(model, undefined, chatTemplate);
    const tag = "go" in chosen ? ChatTemplate.get(chosen.go).toolCallTags.tag : jinjaToolTags(chosen.jinja).tag;
    return tag === "{" || tag === "[" ? undefined : tag;
  },

  parser({ model, chatTemplate, tools, think, prompt }) {
    const chosen = pick(model, undefined, chatTemplate);
    const options: OutputParserOptions = {};
    if (think) {
      const tags = "go" in chosen ? ChatTemplate.get(chosen.go).thinkingTags : jinjaThinkingTags(chosen.jinja);
      if (tags.openTag && tags.closeTag) {
        options.thinking = { ...tags, startInThinking: prompt.trimEnd().endsWith(tags.openTag) };
      }
    }
    if (tools?.length) {
      const tags = "go" in chosen ? ChatTemplate.get(chosen.go).toolCallTags : jinjaToolTags(chosen.jinja);
      options.tools = { tag: tags.tag, closeTag: tags.closeTag || undefined, toolNames: (tools as Tool[]).map((t) => t.function.name) };
    }
    const parser = new OutputParser(options);
    return {
      add(text: string, done: boolean) {
        const a = parser.add(text);
        if (!done) return a;
        const b = parser.finish();
        return { content: a.content + b.content, thinking: a.thinking + b.thinking, toolCalls: [...a.toolCalls, ...b.toolCalls] };
      },
    };
  },
};
