/**
 * Rendering a GGUF's own `tokenizer.chat_template` (Jinja) with `@huggingface/jinja`, for models
 * that come without a Go TEMPLATE layer. Messages are given in the Hugging Face / OpenAI shape
 * chat templates expect: tool calls as `{type: "function", function: {name, arguments}}` with
 * arguments as objects, thinking as `reasoning_content`.
 * @module
 */
import { Template as JinjaTemplate } from "@huggingface/jinja";
import { PromptTemplateError } from "./errors.ts";
import type { Message, Think, Tool } from "./types.ts";

/** Options of {@linkcode renderJinja}. */
export interface JinjaOptions {
  messages: readonly Message[];
  tools?: readonly Tool[];
  /** The vocabulary's BOS and EOS token texts. */
  bosToken?: string;
  eosToken?: string;
  /** Open an assistant turn at the end (default true). */
  addGenerationPrompt?: boolean;
  /** The request's `think`; sets `enable_thinking` / `reasoning_effort` for templates that read them. */
  think?: Think;
}

const cache = new Map<string, JinjaTemplate>();
const CACHE_LIMIT = 32;

function parsed(text: string): JinjaTemplate {
  let t = cache.get(text);
  if (t === undefined) {
    try {
      t = new JinjaTemplate(text);
    } catch (cause) {
      throw new PromptTemplateError(`template error: ${(cause as Error).message}`, { cause });
    }
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(text, t);
  }
  return t;
}

function hfMessage(m: Message): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role, content: m.content };
  if (m.thinking) out.reasoning_content = m.thinking;
  if (m.tool_calls?.length) {
    out.tool_calls = m.tool_calls.map((c, i) => ({
      id: c.id ?? `call_${i}`,
      type: "function",
      function: { name: c.function.name, arguments: c.function.arguments },
    }));
  }
  if (m.tool_name) out.name = m.tool_name;
  if (m.tool_call_id) out.tool_call_id = m.tool_call_id;
  return out;
}

/**
 * Renders a Jinja chat template. A final assistant message is treated as a prefill: the
 * conversation before it is rendered with a generation prompt, then its content is appended.
 */
export function renderJinja(template: string, options: JinjaOptions): string {
  const messages = [...options.messages];
  let prefill = "";
  let addGenerationPrompt = options.addGenerationPrompt ?? true;
  if (messages.at(-1)?.role === "assistant" && !messages.at(-1)?.tool_calls?.length) {
    prefill = messages.pop()!.content;
    addGenerationPrompt = true;
  }
  const data: Record<string, unknown> = {
    messages: messages.map(hfMessage),
    add_generation_prompt: addGenerationPrompt,
    bos_token: options.bosToken ?? "",
    eos_token: options.eosToken ?? "",
    // Llama 3.x templates print it as "Today Date"; they default to a fixed 2024 date otherwise.
    date_string: new Date().toLocaleDateString("en-GB", { day: "2-digit", month: "short", year: "numeric" }),
  };
  if (options.tools?.length) data.tools = options.tools;
  if (options.think !== undefined) {
    data.enable_thinking = options.think !== false;
    if (typeof options.think === "string") data.reasoning_effort = options.think;
  }
  try {
    return parsed(template).render(data) + prefill;
  } catch (cause) {
    throw new PromptTemplateError(`template error: ${(cause as Error).message}`, { cause });
  }
}
