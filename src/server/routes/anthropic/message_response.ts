/**
 * The Anthropic `message` for a collected chat answer, and the pieces the stream shares with it: ids (`msg_…`,
 * `toolu_…`), `stop_reason`/`stop_sequence`, and `usage` split as Anthropic counts it (`input_tokens` are the
 * prompt tokens computed, `cache_read_input_tokens` those reused from the prefix cache; their sum is the prompt the
 * model read: count_tokens' figure, or for a prompt longer than the context what Ollama's silent middle cut left).
 * @module
 */
import { PROMPT_TOKENS, STOP_SEQUENCE } from "../../generation.ts";
import type { ChatResponse, ToolCall } from "../../schemas.ts";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `prefix` + 24 random base-62 characters (also the shape of OpenAI's `call_…` ids). */
export function base62Id(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let id = prefix;
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

/** The shape of Anthropic's ids (`msg_…`, `toolu_…`). */
export const anthropicId = (prefix: "msg_" | "toolu_"): string => base62Id(prefix);

/** A final chat chunk, with the symbol-keyed figures the generation core adds to it. */
export type FinalChunk = ChatResponse & { [PROMPT_TOKENS]?: number; [STOP_SEQUENCE]?: string };

/** Anthropic's usage for a final chunk. */
export function usageOf(final: FinalChunk) {
  const prompt = final[PROMPT_TOKENS] ?? final.prompt_eval_count ?? 0;
  const computed = Math.min(final.prompt_eval_count ?? prompt, prompt);
  return {
    input_tokens: computed,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: prompt - computed,
    output_tokens: final.eval_count ?? 0,
  };
}

/**
 * `stop_reason` and `stop_sequence`: a call made is `tool_use`; the output limit `max_tokens` (the context filling
 * up first is `model_context_window_exceeded`); one of the request's stop sequences `stop_sequence`; else `end_turn`
 * (a stop string of the model's own parameters ends the turn, as its end token would).
 */
export function stopReason(
  final: FinalChunk,
  request: { maxTokens?: number; stopSequences?: string[]; toolCalls: number },
): { stop_reason: string; stop_sequence: string | null } {
  if (request.toolCalls > 0) return { stop_reason: "tool_use", stop_sequence: null };
  if (final.done_reason === "length") {
    const limited = request.maxTokens === undefined || (final.eval_count ?? 0) >= request.maxTokens;
    return { stop_reason: limited ? "max_tokens" : "model_context_window_exceeded", stop_sequence: null };
  }
  const matched = final[STOP_SEQUENCE];
  if (matched !== undefined && request.stopSequences?.includes(matched)) {
    return { stop_reason: "stop_sequence", stop_sequence: matched };
  }
  return { stop_reason: "end_turn", stop_sequence: null };
}

/** A `tool_use` content block for a parsed call, with a `toolu_…` id. */
export function toolUseBlock(call: ToolCall) {
  return { type: "tool_use" as const, id: anthropicId("toolu_"), name: call.function.name, input: call.function.arguments ?? {} };
}

/** Whether text is worth a block: the whitespace a model writes between its thinking and a tool call is not. */
export const hasText = (text: string): boolean => text.trim() !== "";

/** The `message` object for a collected answer: thinking, text, then tool_use blocks. */
export function toMessage(
  response: FinalChunk,
  meta: { id: string; model: string; maxTokens?: number; stopSequences?: string[]; oneToolCall?: boolean },
) {
  const content: Array<Record<string, unknown>> = [];
  const m = response.message;
  if (m.thinking) content.push({ type: "thinking", thinking: m.thinking, signature: "" });
  if (hasText(m.content)) content.push({ type: "text", text: m.content });
  const calls = (m.tool_calls ?? []).slice(0, meta.oneToolCall ? 1 : undefined);
  for (const call of calls) content.push(toolUseBlock(call));
  return {
    id: meta.id,
    type: "message" as const,
    role: "assistant" as const,
    model: meta.model,
    content,
    ...stopReason(response, { maxTokens: meta.maxTokens, stopSequences: meta.stopSequences, toolCalls: calls.length }),
    usage: usageOf(response),
  };
}
