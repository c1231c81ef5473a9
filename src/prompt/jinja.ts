/**
 * Rendering a GGUF's own `tokenizer.chat_template` (Jinja) byte for byte as llama.cpp does, for
 * models that come without a Go TEMPLATE layer: `@huggingface/jinja` parses, `jinja_compat.ts`
 * gives it llama.cpp's runtime semantics, `jinja_adapt.ts` does what llama.cpp does around the
 * template. Messages reach the template in the OpenAI shape: tool calls as `{type: "function",
 * function: {name, arguments}}`, arguments as objects or JSON text as the template's probe shows,
 * thinking as `reasoning_content`.
 * @module
 */
import { PromptTemplateError } from "./errors.ts";
import { adaptMessages, adaptPrompt, type TemplateCaps } from "./jinja_adapt.ts";
import { type ParsedTemplate, parseTemplate, renderParsed, strftime } from "./jinja_compat.ts";
import type { Message, Think, Tool } from "./types.ts";

/**
 * A message as {@linkcode renderJinja} takes it: Ollama's, where tool-call arguments may also be
 * the JSON text an OpenAI client sent (kept as is for templates that print the text).
 */
export interface JinjaMessage extends Omit<Message, "tool_calls"> {
  tool_calls?: { id?: string; function: { index?: number; name: string; arguments: Record<string, unknown> | string } }[];
}

/** Options of {@linkcode renderJinja}. */
export interface JinjaOptions {
  messages: readonly JinjaMessage[];
  tools?: readonly Tool[];
  /** The vocabulary's BOS and EOS token texts. */
  bosToken?: string;
  eosToken?: string;
  /** Open an assistant turn at the end (default true). */
  addGenerationPrompt?: boolean;
  /** The request's `think`; sets `enable_thinking` / `reasoning_effort` for templates that read them. */
  think?: Think;
  /** The clock templates read (`strftime_now`, `datetime`, `date_string`); now by default. */
  now?: Date;
}

/** A parsed template with what llama.cpp's capability probes find in it. */
interface Compiled {
  template: ParsedTemplate;
  source: string;
  caps: TemplateCaps;
}
const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 32;

function compiled(text: string): Compiled {
  let t = cache.get(text);
  if (t === undefined) {
    let template: ParsedTemplate;
    try {
      template = parseTemplate(text);
    } catch (cause) {
      throw new PromptTemplateError(`template error: ${(cause as Error).message}`, { cause });
    }
    t = { template, source: text, caps: probeCaps(template) };
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(text, t);
  }
  return t;
}

const PROBE_MARKER = "ARGUMENT_VALUE_MARKER";

/** The probe's output, or undefined where the template raises on it. */
function probe(template: ParsedTemplate, data: Record<string, unknown>): string | undefined {
  try {
    return renderParsed(template, { bos_token: "", eos_token: "", add_generation_prompt: true, ...data }, new Date(0));
  } catch {
    return undefined;
  }
}

/**
 * llama.cpp renders probe conversations and watches which values the template reads. Here a value
 * counts as read when it comes out in the prompt: a system message's content (system role), a
 * user's string content (string content), a call's argument given as an object (object arguments).
 */
function probeCaps(template: ParsedTemplate): TemplateCaps {
  const system = probe(template, {
    messages: [{ role: "system", content: "SYSTEM_MARKER" }, { role: "user", content: "User message" }],
  });
  const user = probe(template, { messages: [{ role: "user", content: "STRING_MARKER" }] });
  // A template that raises on a system message (e.g. "System role not supported") has none.
  const systemRole = system?.includes("SYSTEM_MARKER") === true;
  // Typed-only templates raise on string content, or print nothing of it while printing parts.
  const stringContent = user !== undefined && (user.includes("STRING_MARKER") ||
    probe(template, { messages: [{ role: "user", content: [{ type: "text", text: "STRING_MARKER" }] }] })?.includes("STRING_MARKER") !== true);
  const messages = [
    { role: "user", content: "User message" },
    {
      role: "assistant",
      content: "",
      tool_calls: [{ id: "call00001", type: "function", function: { name: "tool1", arguments: { arg: PROBE_MARKER } } }],
    },
    { role: "tool", content: "Tool response", tool_call_id: "call00001" },
    { role: "assistant", content: "The tool response was 'tool response'" },
    { role: "user", content: "User message" },
  ];
  const tools = [{
    name: "tool",
    type: "function",
    function: {
      name: "tool1",
      description: "Tool description",
      parameters: {
        type: "object",
        properties: { arg: { type: "string", description: "Arg description" } },
        required: ["arg"],
      },
    },
  }];
  const objectArguments = probe(template, { messages, tools })?.includes(PROBE_MARKER) === true;
  return { objectArguments, systemRole, stringContent };
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function hfMessage(m: JinjaMessage, caps: TemplateCaps): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role, content: m.content };
  if (m.thinking) out.reasoning_content = m.thinking;
  if (m.tool_calls?.length) {
    out.tool_calls = m.tool_calls.map((c, i) => {
      const args = c.function.arguments;
      const value = caps.objectArguments
        ? (typeof args === "string" ? parseArguments(args) : args)
        : (typeof args === "string" ? args : JSON.stringify(args));
      return { id: c.id ?? `call_${i}`, type: "function", function: { name: c.function.name, arguments: value } };
    });
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
  const { template: parsed, source, caps } = compiled(template);
  const now = options.now ?? new Date();
  const data: Record<string, unknown> = {
    messages: adaptMessages(source, messages.map((m) => hfMessage(m, caps)), caps),
    bos_token: options.bosToken ?? "",
    eos_token: options.eosToken ?? "",
    // As llama.cpp: thinking is on unless the request turns it off.
    enable_thinking: options.think !== false,
    // llama.cpp adds both to every render; Llama 3.x prints date_string as "Today Date".
    datetime: strftime(now, "%b %d %Y"),
    date_string: strftime(now, "%d %b %Y"),
  };
  // llama.cpp sets it only when true, for templates that test `add_generation_prompt is defined`.
  if (addGenerationPrompt) data.add_generation_prompt = true;
  if (options.tools?.length) data.tools = options.tools;
  if (typeof options.think === "string") data.reasoning_effort = options.think;
  try {
    return adaptPrompt(source, renderParsed(parsed, data, now), addGenerationPrompt) + prefill;
  } catch (cause) {
    throw new PromptTemplateError(`template error: ${(cause as Error).message}`, { cause });
  }
}
