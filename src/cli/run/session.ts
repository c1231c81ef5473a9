/**
 * One model turn as the terminal shows it: streamed thinking ("Thinking..." / "...done thinking.") and content with
 * word wrap, tool calls, then Ollama's timing summary with --verbose.
 * @module
 */
import type { Client } from "../client.ts";
import type { Terminal } from "../io.ts";
import { goDuration } from "../format.ts";
import { WrappingWriter } from "./display.ts";

export interface Message {
  role: string;
  content: string;
  thinking?: string;
  tool_calls?: Array<{ function: { name: string; arguments: Record<string, unknown> } }>;
  /** Attached images, base64 (image paths in a prompt to a vision model). */
  images?: string[];
}

export interface RunOptions {
  model: string;
  messages: Message[];
  system?: string;
  options: Record<string, unknown>;
  format?: string;
  think?: boolean | string;
  keepAlive?: string;
  wordWrap: boolean;
  verbose: boolean;
  hideThinking: boolean;
  /** The model's own MESSAGE history (from `show`): the server prepends it to every chat; `/save` keeps it. */
  loadedMessages?: Message[];
  /** Token context of the previous one-shot turn (/api/generate's `context`). */
  context?: number[];
  /** The model can see: image paths in a prompt are attached (src/cli/run/images.ts). */
  multimodal?: boolean;
}

interface Metrics {
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
}

const GREY = "\x1b[90m", BOLD = "\x1b[1m", RESET = "\x1b[0m";

/** Ollama's `Metrics.Summary()`, printed on stderr. */
export function metricsSummary(m: Metrics): string {
  let out = "";
  if (m.total_duration) out += `total duration:       ${goDuration(m.total_duration)}\n`;
  if (m.load_duration) out += `load duration:        ${goDuration(m.load_duration)}\n`;
  if (m.prompt_eval_count) out += `prompt eval count:    ${m.prompt_eval_count} token(s)\n`;
  if (m.prompt_eval_duration) {
    out += `prompt eval duration: ${goDuration(m.prompt_eval_duration)}\n`;
    out += `prompt eval rate:     ${((m.prompt_eval_count ?? 0) / (m.prompt_eval_duration / 1e9)).toFixed(2)} tokens/s\n`;
  }
  if (m.eval_count) out += `eval count:           ${m.eval_count} token(s)\n`;
  if (m.eval_duration) {
    out += `eval duration:        ${goDuration(m.eval_duration)}\n`;
    out += `eval rate:            ${((m.eval_count ?? 0) / (m.eval_duration / 1e9)).toFixed(2)} tokens/s\n`;
  }
  return out;
}

class TurnPrinter {
  #term: Terminal;
  #writer: WrappingWriter;
  #plain: boolean;
  #hideThinking: boolean;
  #thinkingOpen = false;
  #thinking = "";
  content = "";

  constructor(term: Terminal, opts: RunOptions) {
    this.#term = term;
    this.#plain = !term.stdoutIsTTY;
    this.#hideThinking = opts.hideThinking;
    this.#writer = new WrappingWriter((t) => term.out(t), { width: term.columns(), wordWrap: opts.wordWrap });
  }

  piece(thinking: string | undefined, content: string, toolCalls?: Message["tool_calls"]): void {
    if (thinking && !this.#hideThinking) {
      if (!this.#thinkingOpen) {
        this.#term.out(this.#plain ? "Thinking...\n" : `${GREY}${BOLD}Thinking...\n${RESET}${GREY}`);
        this.#thinkingOpen = true;
      }
      this.#thinking += thinking;
      this.#writer.write(thinking);
    }
    if (thinking) this.thinkingText += thinking;
    if (this.#thinkingOpen && (content || toolCalls?.length)) {
      if (!this.#thinking.endsWith("\n")) this.#term.out("\n");
      this.#term.out(this.#plain ? "...done thinking.\n\n" : `${GREY}${BOLD}...done thinking.\n\n${RESET}`);
      this.#thinkingOpen = false;
      this.#writer.reset();
    }
    this.content += content;
    this.#writer.write(content);
    for (const call of toolCalls ?? []) {
      this.#term.out(`${this.#plain ? "" : GREY}Tool call: ${call.function.name}(${JSON.stringify(call.function.arguments)})${this.#plain ? "" : RESET}\n`);
    }
  }

  thinkingText = "";
}

/** Prints a finished message as an answer is printed (word wrap, then a blank line). */
export function showText(term: Terminal, opts: RunOptions, content: string): void {
  new TurnPrinter(term, opts).piece(undefined, content);
  term.out("\n\n");
}

/** Sends the conversation to /api/chat and prints the answer; returns the assistant message, or undefined if stopped. */
export async function chatTurn(client: Client, term: Terminal, opts: RunOptions, signal: AbortSignal): Promise<Message | undefined> {
  const printer = new TurnPrinter(term, opts);
  let last: Metrics = {};
  try {
    for await (
      const chunk of client.stream<{ message?: Message; done: boolean } & Metrics>("/api/chat", {
        model: opts.model,
        messages: opts.messages,
        options: opts.options,
        format: opts.format || undefined,
        think: opts.think,
        keep_alive: opts.keepAlive,
        stream: true,
      }, signal)
    ) {
      printer.piece(chunk.message?.thinking, chunk.message?.content ?? "", chunk.message?.tool_calls);
      if (chunk.done) last = chunk;
    }
  } catch (error) {
    if (signal.aborted) return undefined;
    throw error;
  }
  term.out("\n\n");
  if (opts.verbose) term.err(metricsSummary(last));
  return { role: "assistant", content: printer.content, ...(printer.thinkingText ? { thinking: printer.thinkingText } : {}) };
}

/** One-shot `tollama run MODEL "prompt"` through /api/generate, as Ollama's CLI does. */
export async function generateOnce(
  client: Client,
  term: Terminal,
  opts: RunOptions,
  prompt: string,
  signal: AbortSignal,
  images?: string[],
): Promise<void> {
  const printer = new TurnPrinter(term, opts);
  let last: Metrics & { done?: boolean; context?: number[] } = {};
  try {
    for await (
      const chunk of client.stream<{ response: string; thinking?: string; done: boolean; context?: number[] } & Metrics>(
        "/api/generate",
        {
          model: opts.model,
          prompt,
          system: opts.system,
          options: opts.options,
          format: opts.format || undefined,
          think: opts.think,
          keep_alive: opts.keepAlive,
          context: opts.context,
          ...(images?.length ? { images } : {}),
          stream: true,
        },
        signal,
      )
    ) {
      printer.piece(chunk.thinking, chunk.response ?? "");
      if (chunk.done) last = chunk;
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  }
  if (prompt !== "") term.out("\n\n");
  if (last.done && opts.verbose) term.err(metricsSummary(last));
}
