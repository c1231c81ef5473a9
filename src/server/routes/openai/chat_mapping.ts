/**
 * OpenAI chat completions ↔ Ollama chat, as pure functions: request mapping (messages with content parts and data-URL
 * images, tool calls with string arguments, `response_format`, `reasoning_effort`, sampling fields, `tool_choice`),
 * the non-streaming answer, and the streaming chunks (role first, reasoning and content split, final
 * `finish_reason`, optional usage chunk).
 * @module
 */
import { makeToolCallId } from "../../../prompt/mod.ts";
import * as v from "valibot";
import { PROMPT_TOKENS, toolCallDeltasOf } from "../../generation.ts";
import { base64Error } from "../../base64.ts";
import { ApiError } from "../../errors.ts";
import { checkNesting } from "../../body.ts";
import type { ChatRequest, ChatResponse, Logprob, Message, Tool, ToolCall } from "../../schemas.ts";
import { type ToolChoice, toolChoiceOf } from "../chat.ts";

const ContentPart = v.looseObject({ type: v.string(), text: v.optional(v.string()), image_url: v.optional(v.unknown()) });

export const OpenAiChatRequestSchema = v.looseObject({
  model: v.optional(v.string(), ""),
  messages: v.array(v.looseObject({
    role: v.string(),
    content: v.nullish(v.union([v.string(), v.array(ContentPart)])),
    name: v.nullish(v.string()),
    reasoning: v.nullish(v.string()),
    reasoning_content: v.nullish(v.string()),
    tool_call_id: v.nullish(v.string()),
    tool_calls: v.nullish(v.array(v.looseObject({
      id: v.nullish(v.string()),
      type: v.nullish(v.string()),
      function: v.looseObject({ name: v.string(), arguments: v.nullish(v.string()) }),
    }))),
  })),
  stream: v.nullish(v.boolean()),
  stream_options: v.nullish(v.looseObject({ include_usage: v.nullish(v.boolean()) })),
  max_tokens: v.nullish(v.number()),
  max_completion_tokens: v.nullish(v.number()),
  seed: v.nullish(v.number()),
  stop: v.nullish(v.union([v.string(), v.array(v.string())])),
  temperature: v.nullish(v.number()),
  top_p: v.nullish(v.number()),
  frequency_penalty: v.nullish(v.number()),
  presence_penalty: v.nullish(v.number()),
  response_format: v.nullish(v.looseObject({
    type: v.string(),
    json_schema: v.nullish(v.looseObject({ schema: v.nullish(v.unknown()) })),
  })),
  tools: v.nullish(v.array(v.looseObject({ type: v.string(), function: v.looseObject({ name: v.string() }) }))),
  tool_choice: v.nullish(v.unknown()),
  parallel_tool_calls: v.nullish(v.boolean()),
  reasoning_effort: v.nullish(v.string()),
  reasoning: v.nullish(v.looseObject({ effort: v.nullish(v.string()) })),
  logprobs: v.nullish(v.boolean()),
  top_logprobs: v.nullish(v.number()),
  keep_alive: v.nullish(v.union([v.number(), v.string()])),
});

export type OpenAiChatRequest = v.InferOutput<typeof OpenAiChatRequestSchema>;

const DATA_URL = /^data:(?:image\/(?:jpeg|jpg|png|webp))?;base64,/;

/** Base64 payload of an image part (only data URLs; a web URL is a 400 as in Ollama). */
export function imageFromUrl(part: unknown): string {
  const url = typeof part === "string" ? part : (part as { url?: unknown })?.url;
  if (typeof url !== "string") throw new ApiError(400, "invalid image input");
  if (/^https?:\/\//i.test(url)) {
    throw new ApiError(400, "image URLs are not currently supported, please use base64 encoded data instead");
  }
  const match = DATA_URL.exec(url);
  // Ollama decodes the data here and refuses what standard base64 does not.
  if (!match || base64Error(url.slice(match[0].length)) !== undefined) throw new ApiError(400, "invalid image input");
  return url.slice(match[0].length);
}

/** `reasoning_effort` → Ollama's think value. */
export function thinkFromEffort(effort: string | null | undefined): boolean | string | undefined {
  if (effort === null || effort === undefined) return undefined;
  switch (effort) {
    case "none":
      return false;
    case "minimal":
      return "low";
    case "low":
    case "medium":
    case "high":
    case "max":
      return effort;
    case "xhigh":
    case "ultra":
      return "max";
    default:
      throw new ApiError(400, `invalid reasoning value: '${effort}' (must be "none", "minimal", "low", "medium", "high", "xhigh", "max", or "ultra")`);
  }
}

/** The native chat request for an OpenAI one, and the tool choice to honour. */
export function toChatRequest(body: OpenAiChatRequest): { request: ChatRequest; toolChoice?: ToolChoice } {
  if (body.messages.length === 0) throw new ApiError(400, "[] is too short - 'messages'");
  const messages: Message[] = [];
  const toolNames = new Map<string, string>();
  for (const m of body.messages) {
    const role = m.role.toLowerCase() === "developer" ? "system" : m.role.toLowerCase();
    const images: string[] = [];
    let content = "";
    if (typeof m.content === "string") content = m.content;
    else if (Array.isArray(m.content)) {
      const texts: string[] = [];
      for (const part of m.content) {
        if (part.type === "text") texts.push(part.text ?? "");
        else if (part.type === "image_url") images.push(imageFromUrl(part.image_url));
        else throw new ApiError(400, `invalid message content type: ${part.type}`);
      }
      content = texts.join("\n\n");
    }
    const message: Message = { role, content };
    if (images.length) message.images = images;
    const reasoning = m.reasoning ?? m.reasoning_content;
    if (reasoning) message.thinking = reasoning;
    if (m.tool_calls?.length) {
      message.tool_calls = m.tool_calls.map((call, index): ToolCall => {
        let args: Record<string, unknown> = {};
        try {
          args = call.function.arguments ? JSON.parse(call.function.arguments) : {};
        } catch {
          throw new ApiError(400, "invalid tool call arguments");
        }
        // Arguments arrive as a JSON string, decoded past the body's own nesting check.
        checkNesting({ arguments: args });
        if (call.id) toolNames.set(call.id, call.function.name);
        return { id: call.id ?? undefined, function: { index, name: call.function.name, arguments: args } };
      });
    }
    if (role === "tool") {
      const toolName = m.name ?? (m.tool_call_id ? toolNames.get(m.tool_call_id) : undefined);
      if (toolName) message.tool_name = toolName;
      if (m.tool_call_id) message.tool_call_id = m.tool_call_id;
    }
    messages.push(message);
  }
  const options: Record<string, unknown> = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== null && maxTokens !== undefined) options.num_predict = maxTokens;
  if (body.seed !== null && body.seed !== undefined) options.seed = body.seed;
  if (body.stop !== null && body.stop !== undefined) options.stop = typeof body.stop === "string" ? [body.stop] : body.stop;
  if (body.temperature !== null && body.temperature !== undefined) options.temperature = body.temperature;
  if (body.top_p !== null && body.top_p !== undefined) options.top_p = body.top_p;
  if (body.frequency_penalty != null) options.frequency_penalty = body.frequency_penalty;
  if (body.presence_penalty != null) options.presence_penalty = body.presence_penalty;
  let format: unknown;
  const rf = body.response_format;
  if (rf?.type === "json_object") format = "json";
  else if (rf?.type === "json_schema") format = rf.json_schema?.schema ?? "json";
  else if (rf && rf.type !== "text") throw new ApiError(400, `invalid response format type: ${rf.type}`);
  const request: ChatRequest = {
    model: body.model,
    messages,
    stream: body.stream ?? false,
    format,
    options,
    keep_alive: body.keep_alive,
    think: thinkFromEffort(body.reasoning_effort ?? body.reasoning?.effort),
    tools: body.tools as unknown as Tool[] | undefined,
    logprobs: body.logprobs ?? undefined,
    top_logprobs: body.top_logprobs ?? undefined,
    truncate: undefined,
    shift: undefined,
    _debug_render_only: undefined,
  };
  return { request, toolChoice: toolChoiceOf(body.tool_choice) };
}

/** OpenAI's shape of a tool call (arguments as a JSON string). */
export function toOpenAiToolCall(call: ToolCall, index: number) {
  return {
    id: call.id ?? makeToolCallId(),
    index,
    type: "function" as const,
    function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) },
  };
}

/** OpenAI's finish reason for a native final chunk. */
export function finishReason(doneReason: string | undefined, hadToolCalls: boolean): string {
  if (hadToolCalls) return "tool_calls";
  return doneReason === "length" ? "length" : "stop";
}

/** OpenAI's logprobs object. */
export function toOpenAiLogprobs(logprobs: Logprob[] | undefined) {
  if (!logprobs?.length) return undefined;
  return {
    content: logprobs.map((lp) => ({
      token: lp.token,
      logprob: lp.logprob,
      bytes: lp.bytes ?? null,
      top_logprobs: (lp.top_logprobs ?? []).map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes ?? null })),
    })),
  };
}

/**
 * OpenAI's usage: `prompt_tokens` is the whole prompt, cached prefix included (clients bill on it), while
 * Ollama's prompt_eval_count counts only the tokens computed. A prompt cut to fit the context counts what the model read.
 */
export function usageOf(chunk: { prompt_eval_count?: number; eval_count?: number; [PROMPT_TOKENS]?: number }) {
  const prompt = chunk[PROMPT_TOKENS] ?? chunk.prompt_eval_count ?? 0;
  const completion = chunk.eval_count ?? 0;
  // the part of the prompt the prefix cache held (OpenAI's prompt_tokens_details.cached_tokens)
  const cached = prompt - Math.min(chunk.prompt_eval_count ?? prompt, prompt);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  };
}

/** The `chat.completion` object for a collected native answer. */
export function toChatCompletion(response: ChatResponse, id: string, created: number) {
  const calls = response.message.tool_calls ?? [];
  const message: Record<string, unknown> = { role: "assistant", content: response.message.content };
  if (response.message.thinking) message.reasoning = response.message.thinking;
  if (calls.length) message.tool_calls = calls.map(toOpenAiToolCall);
  const choice: Record<string, unknown> = {
    index: 0,
    message,
    finish_reason: finishReason(response.done_reason, calls.length > 0),
  };
  const logprobs = toOpenAiLogprobs(response.logprobs);
  if (logprobs) choice.logprobs = logprobs;
  return {
    id,
    object: "chat.completion",
    created,
    model: response.model,
    system_fingerprint: "fp_ollama",
    choices: [choice],
    usage: usageOf(response),
  };
}

/** Maps a native chunk stream to `chat.completion.chunk` objects. */
export async function* toChatChunks(
  source: AsyncIterable<ChatResponse>,
  meta: { id: string; created: number; model: string; includeUsage: boolean },
): AsyncGenerator<Record<string, unknown>> {
  const base = { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, system_fingerprint: "fp_ollama" };
  let first = true;
  let calls = 0;
  let completed = 0;
  // the wire index of each call whose arguments streamed, by its function.index
  const streamed = new Map<number, number>();
  const chunk = (delta: Record<string, unknown>, finish: string | null, logprobs?: unknown) => {
    if (first) delta = { role: "assistant", ...delta };
    first = false;
    const choice: Record<string, unknown> = { index: 0, delta, finish_reason: finish };
    if (logprobs) choice.logprobs = logprobs;
    return { ...base, choices: [choice] };
  };
  for await (const native of source) {
    const m = native.message;
    if (m.thinking) yield chunk({ content: "", reasoning: m.thinking }, null);
    const logprobs = toOpenAiLogprobs(native.logprobs);
    if (m.content || logprobs) yield chunk({ content: m.content }, null, logprobs);
    // arguments stream as they are written: the first piece of a call brings its id and name
    for (const d of toolCallDeltasOf(native)) {
      let at = streamed.get(d.index);
      if (at === undefined) {
        streamed.set(d.index, at = calls++);
        yield chunk({ tool_calls: [{ index: at, id: d.id, type: "function", function: { name: d.name, arguments: d.arguments } }] }, null);
      } else yield chunk({ tool_calls: [{ index: at, function: { arguments: d.arguments } }] }, null);
    }
    // a whole call whose arguments streamed is complete already
    const whole = (m.tool_calls ?? []).filter((call) => !streamed.has(call.function.index ?? -1));
    completed += m.tool_calls?.length ?? 0;
    if (whole.length) yield chunk({ tool_calls: whole.map((call) => toOpenAiToolCall(call, calls++)) }, null);
    if (native.done) {
      // a call cut off mid-arguments (max_tokens) streamed pieces but is no call: the finish reason is the length
      yield chunk({}, finishReason(native.done_reason, completed > 0));
      if (meta.includeUsage) yield { ...base, choices: [], usage: usageOf(native) };
    }
  }
}
