/**
 * The `PromptRenderer` the routes use, over prompt/: a model's Go TEMPLATE (or generate's `template` override)
 * rendered as Ollama does, else the GGUF's Jinja chat template, else Ollama's default `{{ .Prompt }}`; truncation
 * to num_ctx; and the output parser (thinking split, then tool calls) for the template's tags.
 * @module
 */
import {
  buildPrompt,
  DEFAULT_TEMPLATE,
  type Message as PromptMessage,
  type Think,
  type Tool as PromptTool,
  truncateMessages,
} from "../prompt/mod.ts";
import {
  type ChatFormat,
  chatFormat,
  type FormatChunk,
  GRAMMAR_FAMILIES,
  namedRenderer,
  recogniseFormat,
  type Renderer,
  resolveRendererName,
} from "../chat_format/mod.ts";
import type { PromptRenderer, ResolvedModel, ToolCallDelta } from "./deps.ts";
import { ToolCallStream } from "./tool_call_stream.ts";
import type { Message } from "./schemas.ts";

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

/** A model's chat format: its named parser (or renderer) first, as Ollama's config names select its built-in ones. */
function modelFormat(model: ResolvedModel, chatTemplate?: string): ChatFormat {
  const chosen = pick(model, undefined, chatTemplate);
  const names = { renderer: model.renderer, parser: model.parser };
  return chatFormat("go" in chosen ? { ...names, template: chosen.go } : { ...names, jinja: chosen.jinja });
}

/**
 * A prompt written by one of Ollama's named renderers (the model's config `renderer`): messages keep their
 * images, which the renderer tags itself, numbered over the messages that survive truncation.
 */
async function renderNamed(renderer: Renderer, input: Parameters<PromptRenderer["render"]>[0]): Promise<string> {
  const messages = promptMessages(input.messages).map((m) => input.images ? m : { ...m, images: undefined });
  const render = (kept: readonly PromptMessage[]) =>
    renderer({ messages: kept, tools: input.tools as unknown as PromptTool[] | undefined, think: input.think as Think | undefined });
  const fitted = input.truncate && messages.length > 0
    ? await truncateMessages(messages, { ...input.truncate, render, imageTokens: input.images ? 768 : 0 })
    : { prompt: render(messages), messages };
  input.images?.(fitted.messages.flatMap((m) => m.images ?? []));
  return fitted.prompt;
}

/** The renderer over prompt/. */
export const promptRenderer: PromptRenderer = {
  async render(input) {
    // A named renderer writes the prompt in code and wins over the template (Ollama's renderPrompt);
    // a request's own template and fill-in-the-middle still go through templates.
    const { renderer, name, details } = input.model;
    const resolved = renderer && resolveRendererName(renderer, { name, parameterSize: details.parameter_size });
    const named = input.template || input.suffix ? undefined : namedRenderer(resolved);
    if (named) return await renderNamed(named, input);
    const template = input.template || input.model.template;
    const built = await buildPrompt({
      template,
      chatTemplate: template ? undefined : input.chatTemplate,
      messages: promptMessages(input.messages),
      tools: input.tools as unknown as PromptTool[] | undefined,
      think: input.think as Think | undefined,
      prompt: input.suffix?.prompt,
      suffix: input.suffix?.suffix,
      // as Ollama: 768 tokens counted per image when a projector takes them
      truncate: input.truncate && input.images ? { ...input.truncate, imageTokens: 768 } : input.truncate,
      imageTags: input.images !== undefined,
    });
    input.images?.(built.images);
    return built.prompt;
  },

  toolCallTag(model, chatTemplate) {
    // The tag a forced call starts with, in the format recognised as chatFormat() recognises it: a format
    // without a forcing grammar of its own is forced to bare JSON (a Go template to JSON after its own tag).
    const chosen = pick(model, undefined, chatTemplate);
    const names = { renderer: model.renderer, parser: model.parser };
    const { name, syntax } = recogniseFormat("go" in chosen ? { ...names, template: chosen.go } : { ...names, jinja: chosen.jinja });
    if (!GRAMMAR_FAMILIES.includes(name) && name !== "go-template") return undefined;
    const tag = syntax.tools?.open[0];
    return tag === undefined || tag === "{" || tag === "[" ? undefined : tag;
  },

  toolGrammar({ model, chatTemplate, tools, name, parallel, think, prompt }) {
    return modelFormat(model, chatTemplate).toolCallGrammar(tools as unknown as PromptTool[], { name, parallel, think, prompt });
  },

  responseGrammar({ model, chatTemplate, grammar, think, prompt }) {
    return modelFormat(model, chatTemplate).responseGrammar(grammar, { think, prompt });
  },

  thinkingTags({ model, chatTemplate, think, prompt }) {
    return modelFormat(model, chatTemplate).thinkingTags({ think, prompt });
  },

  parser({ model, chatTemplate, tools, think, prompt }) {
    // The chat-format layer reads the model's own output format; a call forced by a grammar is bare JSON
    // where toolCallTag() finds no tag, so that is read too.
    // The model's named parser (or renderer) comes first, as Ollama's config names select its built-in ones.
    const fmt = modelFormat(model, chatTemplate);
    // (not for a named parser: Ollama's read their own syntax only, and forced calls are written in it)
    const bareJson = !model.parser && promptRenderer.toolCallTag?.(model, chatTemplate) === undefined;
    const parser = fmt.parser({ tools: tools as unknown as PromptTool[] | undefined, think, prompt, bareJson });
    // the calls' arguments stream as they are written; whole calls keep the ids their deltas had
    const calls = new ToolCallStream((tools ?? []).map((t) => t.function.name));
    const wire = (chunk: FormatChunk, final: boolean) => {
      const toolCallDeltas: ToolCallDelta[] = [];
      const toolCalls = calls.whole(chunk.toolCalls, toolCallDeltas);
      if (!final) calls.partial(parser.partialCall(), toolCallDeltas);
      return { content: chunk.content, thinking: chunk.thinking, toolCalls, toolCallDeltas };
    };
    return {
      add(text: string, done: boolean) {
        calls.seen(text);
        const a = parser.add(text);
        if (!done) return wire(a, false);
        const b = parser.finish();
        return wire({ content: a.content + b.content, thinking: a.thinking + b.thinking, toolCalls: [...a.toolCalls, ...b.toolCalls] }, true);
      },
    };
  },
};
