/**
 * The prompt for one request: the model's Go TEMPLATE when it has one, else the GGUF's Jinja
 * chat template, else `{{ .Prompt }}`; then fitted to the context window when asked.
 * @module
 */
import { tagImages } from "./images.ts";
import { renderJinja } from "./jinja.ts";
import { ChatTemplate, type RenderInput } from "./render.ts";
import { truncateMessages } from "./truncate.ts";
import type { Message } from "./types.ts";

/** Ollama's template for models that have none. */
export const DEFAULT_TEMPLATE = "{{ .Prompt }}";

/** Options of {@linkcode buildPrompt}. */
export interface BuildPromptOptions extends RenderInput {
  /** The model's Go TEMPLATE layer (or the request's `template`). */
  template?: string;
  /** The GGUF's `tokenizer.chat_template`, used when there is no Go template. */
  chatTemplate?: string;
  /** Vocabulary BOS / EOS texts, for Jinja templates. */
  bosToken?: string;
  eosToken?: string;
  /** Tag images as `[img-N]` in message contents (Ollama's placeholders for Go templates). */
  imageTags?: boolean;
  /** Fit the messages into `numCtx` tokens (Ollama's `truncate: true`); omit to keep all. */
  truncate?: {
    numCtx: number;
    countTokens: (text: string) => number | Promise<number>;
    imageTokens?: number;
  };
}

/** A rendered prompt and what went into it. */
export interface BuiltPrompt {
  prompt: string;
  /** The messages rendered (after truncation). */
  messages: Message[];
  /** Non-system messages dropped from the front to fit the context; never silent. */
  dropped: number;
  /** Tokens of the prompt when truncation counted them. */
  tokens?: number;
  /** Images of the rendered messages, in `[img-N]` order (with `imageTags`). */
  images: string[];
  /** Which kind of template made the prompt. */
  templateKind: "go" | "jinja";
  /** The parsed Go template (for output parsing), when one was used. */
  goTemplate?: ChatTemplate;
}

/** Renders the prompt for a request, truncating old messages to fit when asked. */
export async function buildPrompt(options: BuildPromptOptions): Promise<BuiltPrompt> {
  const useJinja = !options.template && !!options.chatTemplate;
  const goTemplate = useJinja ? undefined : ChatTemplate.get(options.template || DEFAULT_TEMPLATE);
  const render = (messages: readonly Message[]): string =>
    goTemplate
      ? goTemplate.render({ ...options, messages })
      : renderJinja(options.chatTemplate!, {
        messages,
        tools: options.tools,
        think: options.think,
        bosToken: options.bosToken,
        eosToken: options.eosToken,
      });
  const templateKind = goTemplate ? "go" : "jinja";
  const messages = [...(options.messages ?? [])];
  const fim = !!(options.prompt && options.suffix);
  let fitted: { prompt: string; messages: Message[]; dropped: number; tokens?: number };
  if (!options.truncate || messages.length === 0 || fim) {
    fitted = { prompt: render(messages), messages, dropped: 0 };
  } else {
    fitted = await truncateMessages(messages, { ...options.truncate, render });
  }
  if (!options.imageTags || !fitted.messages.some((m) => m.images?.length)) {
    return { ...fitted, images: [], templateKind, goTemplate };
  }
  // As Ollama: tags are numbered over the messages that survived truncation, then rendered again.
  const tagged = tagImages(fitted.messages);
  return { ...fitted, prompt: render(tagged.messages), images: tagged.images, templateKind, goTemplate };
}
