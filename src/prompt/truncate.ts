/**
 * Fitting a conversation into the context window the way Ollama's `chatPrompt` does: drop the
 * oldest messages until the rendered prompt fits `num_ctx`, always keeping every system message
 * and the last message. Tokens are counted by an injected function so this folder needs no FFI.
 * Unlike Ollama, the number of dropped messages is returned, so the caller can say so.
 * @module
 */
import type { Message } from "./types.ts";

/** Options of {@linkcode truncateMessages}. */
export interface TruncateOptions {
  /** The context window in tokens. */
  numCtx: number;
  /** Tokens in a rendered prompt (the model's tokenizer). */
  countTokens: (text: string) => number | Promise<number>;
  /** Renders a message list to the prompt text. */
  render: (messages: Message[]) => string | Promise<string>;
  /** Tokens each image costs (Ollama counts 768 when a vision projector is loaded). Default 0. */
  imageTokens?: number;
}

/** The messages that fit, their prompt, and what was left out. */
export interface Truncated {
  messages: Message[];
  prompt: string;
  /** Tokens of `prompt` plus image tokens. */
  tokens: number;
  /** How many non-system messages were dropped from the front. */
  dropped: number;
}

/** Keeps the newest messages that fit in `numCtx` (all system messages and the last one always). */
export async function truncateMessages(messages: readonly Message[], options: TruncateOptions): Promise<Truncated> {
  if (messages.length === 0) throw new RangeError("Cannot truncate an empty conversation");
  const perImage = options.imageTokens ?? 0;
  const attempt = async (from: number): Promise<Truncated> => {
    const kept = [...messages.slice(0, from).filter((m) => m.role === "system"), ...messages.slice(from)];
    const prompt = await options.render(kept);
    let tokens = await options.countTokens(prompt);
    for (const m of messages.slice(from)) tokens += perImage * (m.images?.length ?? 0);
    return { messages: kept, prompt, tokens, dropped: from - (kept.length - (messages.length - from)) };
  };
  // The whole conversation usually fits: one render instead of Ollama's one per message.
  const whole = await attempt(0);
  if (whole.tokens <= options.numCtx) return whole;
  // As Ollama: walk back from the last message and stop at the first start that no longer fits.
  const last = messages.length - 1;
  let best: Truncated | undefined;
  for (let from = last - 1; from > 0; from--) {
    const candidate = await attempt(from);
    if (candidate.tokens > options.numCtx) break;
    best = candidate;
  }
  return best ?? (last === 0 ? whole : await attempt(last));
}
