/**
 * `chatFormat()`: one model's chat format — its name, how to render a conversation (the Jinja or Go
 * template through `prompt/`), and a streaming parser that splits output into content, thinking and
 * tool calls the way the format writes them.
 * @module
 */
import { ChatTemplate, type Message, renderJinja, type Think, type Tool } from "../prompt/mod.ts";
import { FormatParser } from "./format_parser.ts";
import { recogniseFormat } from "./recognise.ts";
import { formatToolGrammar, responseGrammar, type ToolGrammarOptions } from "./grammars/mod.ts";
import { namedRenderer } from "./renderers/mod.ts";
import { namedParser } from "./named_parsers.ts";
import type { FormatChunk, PartialCall, ToolSpec } from "./types.ts";

/** What a model's config and GGUF say about its format. */
export interface ChatFormatOptions {
  /** The GGUF's `tokenizer.chat_template`. */
  jinja?: string;
  /** The model's Go TEMPLATE. */
  template?: string;
  /** Ollama's `renderer` / `parser` names (config, Modelfile `RENDERER` / `PARSER`). */
  renderer?: string;
  parser?: string;
  bosToken?: string;
  eosToken?: string;
  /** The clock templates read (`strftime_now`, `datetime`); kept for the renderer. */
  now?: Date;
}

/** What to render, in Ollama's wire shape. */
export interface ChatFormatRenderInput {
  messages: readonly Message[];
  tools?: readonly Tool[];
  think?: Think;
  /** Open an assistant turn at the end (default true). */
  addGenerationPrompt?: boolean;
}

/** What a parser is made for. */
export interface ChatFormatParserOptions {
  tools?: readonly Tool[];
  think?: Think;
  /** The rendered prompt, for formats whose generation prompt opens a thinking block. */
  prompt?: string;
  /** Also read bare JSON calls at the start (a call forced by a grammar that writes no tag). */
  bareJson?: boolean;
}

/** A streaming output parser: `add` and `finish` return what each call newly produced. */
export interface ChatFormatParser {
  add(text: string): FormatChunk;
  finish(): FormatChunk;
  /** The call being written now (formats with JSON arguments), for streaming its arguments. */
  partialCall(): PartialCall | null;
}

/** A model's chat format. */
export interface ChatFormat {
  /** The format recognised, e.g. "harmony", "hermes", "deepseek-r1". */
  readonly name: string;
  /** The prompt for a conversation; throws an Error where the template raises. */
  render(input: ChatFormatRenderInput): string;
  /** A parser for one reply. */
  parser(options?: ChatFormatParserOptions): ChatFormatParser;
  /**
   * The GBNF forcing a call of `tools` (the named one, else any; one or more with `parallel`) in this
   * format's syntax, which this format's parser reads as tool calls; throws a RangeError for an unknown name.
   */
  toolCallGrammar(tools: readonly Tool[], options?: ToolGrammarOptions): string;
  /**
   * A JSON grammar (`format`: "json" or a schema; start rule `root`) placed where this format answers: after
   * the thinking the request asks for or the prompt opened, in harmony's final channel.
   */
  responseGrammar(grammar: string, options?: Pick<ToolGrammarOptions, "think" | "prompt">): string;
  /**
   * The thinking tags of a reply the parser made with these options reads, for a thinking budget: the texts that
   * open and close the block, the text that closes it early, and whether the prompt opened it. Undefined where the
   * format has no thinking block or the request does not think.
   */
  thinkingTags(options?: ChatFormatParserOptions): ThinkingTags | undefined;
}

/** A format's thinking block as a thinking budget sees it (the engine's ThinkingBudget less the budget). */
export interface ThinkingTags {
  open: readonly string[];
  close: readonly string[];
  closeText: string;
  startsInside: boolean;
}

// A parser whose thinking is structural but not shown when the request turns thinking off (Ollama's glimmer).
function withoutThinking(parser: FormatParser): ChatFormatParser {
  const hide = (chunk: FormatChunk): FormatChunk => ({ ...chunk, thinking: "" });
  return { add: (text) => hide(parser.add(text)), finish: () => hide(parser.finish()), partialCall: () => parser.partialCall() };
}

/** The tools as the parsers read them: names and parameter schemas. */
export function toolSpecs(tools: readonly Tool[] = []): ToolSpec[] {
  return tools.map((t) => ({
    name: t.function.name,
    properties: (t.function.parameters?.properties ?? {}) as ToolSpec["properties"],
  }));
}

/**
 * The chat format of a model, from its config names, Go TEMPLATE or Jinja template.
 * @example
 * ```ts
 * const fmt = chatFormat({ parser: "qwen3-coder" });
 * const p = fmt.parser({ tools });
 * p.add("<tool_call>\n<function=get_weather>"); // {content: "", thinking: "", toolCalls: []}
 * p.finish();
 * ```
 */
export function chatFormat(options: ChatFormatOptions): ChatFormat {
  const { name, syntax } = recogniseFormat(options);
  return {
    name,
    render(input) {
      // A config's renderer name wins over any template, as in Ollama's renderPrompt.
      const named = namedRenderer(options.renderer);
      if (named) return named({ messages: input.messages, tools: input.tools, think: input.think, now: options.now });
      if (options.jinja) {
        return renderJinja(options.jinja, {
          messages: input.messages,
          tools: input.tools,
          bosToken: options.bosToken,
          eosToken: options.eosToken,
          addGenerationPrompt: input.addGenerationPrompt ?? true,
          think: input.think,
        });
      }
      if (options.template) {
        return ChatTemplate.get(options.template).render({ messages: input.messages, tools: input.tools, think: input.think });
      }
      throw new Error(`chat format ${name} has no template to render with`);
    },
    toolCallGrammar(tools, grammarOptions) {
      return formatToolGrammar({ name, syntax, source: options.jinja ?? options.template }, tools, grammarOptions);
    },
    responseGrammar(grammar, grammarOptions = {}) {
      return responseGrammar(name, syntax, grammar, grammarOptions);
    },
    parser(parserOptions = {}) {
      const { parser, named, think } = formatParser(parserOptions);
      return named?.hidesThinkingWhenOff && think === false ? withoutThinking(parser) : parser;
    },
    thinkingTags(parserOptions = {}) {
      const { parser, think } = formatParser(parserOptions);
      const tags = syntax.thinking;
      if (!tags?.close.length || ((think === undefined || think === false) && !syntax.thinkingAlways)) return undefined;
      // harmony's analysis message ends, and the answer goes in the final channel's message
      const closeText = name === "harmony" ? "<|end|><|start|>assistant<|channel|>final<|message|>" : tags.close[0];
      return { open: tags.open, close: tags.close, closeText, startsInside: parser.inThinking };
    },
  };

  // The parser a reply gets, with what decided it (also read by thinkingTags: does the block start open?).
  function formatParser(parserOptions: ChatFormatParserOptions) {
    // Thinking tags split only when the request thinks (Ollama); harmony-like channels always do.
    // Ollama's named parsers think by default where their models do, and start inside the block the prompt opened.
    const named = namedParser(options.parser);
    const think = parserOptions.think ?? (named?.thinksByDefault ? true : undefined);
    const parser = new FormatParser(syntax, {
      tools: toolSpecs(parserOptions.tools),
      prompt: parserOptions.prompt,
      bareJson: parserOptions.bareJson,
      noThinking: think === undefined || think === false,
      // a named renderer's prompt shows whether the block is open (not when it ends in an assistant prefill)
      startInThinking: !!named?.startsThinking && think !== undefined && think !== false &&
        !(parserOptions.prompt !== undefined && namedRenderer(options.renderer)),
      trimThinking: named !== undefined,
    });
    return { parser, named, think };
  }
}
