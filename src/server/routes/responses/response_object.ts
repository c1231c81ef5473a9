/**
 * The Responses `response` object and its parts, shared by the answer and the stream: ids in OpenAI's shapes
 * (`resp_…`, `msg_…`, `rs_…`, `fc_…`, `call_…`), output items (`reasoning` with `reasoning_text`, `message` with
 * `output_text`, `function_call` with its arguments as a JSON string), `status` (`incomplete` with reason
 * `max_output_tokens` when the output was cut by the token limit) and `usage` (the whole prompt as `input_tokens`,
 * the part reused from the prefix cache as `cached_tokens`).
 * @module
 */
import { PROMPT_TOKENS } from "../../generation.ts";
import { base62Id, hasText } from "../anthropic/message_response.ts";
import type { ChatResponse, Message, ToolCall } from "../../schemas.ts";
import type { ResponsesRequest } from "./schemas.ts";

/** A final chat chunk, with the whole prompt's token count the generation core adds to it. */
export type FinalChunk = ChatResponse & { [PROMPT_TOKENS]?: number };

/** `prefix` + 48 random hex digits, the shape of OpenAI's item ids; `call_` ids are 24 base-62 characters. */
export function responsesId(prefix: "resp_" | "msg_" | "rs_" | "fc_" | "call_"): string {
  if (prefix === "call_") return base62Id(prefix);
  return prefix + Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A `reasoning` item (the thinking as `reasoning_text` content; no summary is made). */
export function reasoningItem(id: string, text: string, status: "in_progress" | "completed" | "incomplete") {
  return { id, type: "reasoning" as const, summary: [], content: [{ type: "reasoning_text" as const, text }], status };
}

/** An assistant `message` item with one `output_text` part. */
export function messageItem(id: string, text: string, status: "in_progress" | "completed" | "incomplete") {
  return {
    id,
    type: "message" as const,
    status,
    role: "assistant" as const,
    content: text === "" && status === "in_progress" ? [] : [outputText(text)],
  };
}

/** An `output_text` part. */
export const outputText = (text: string) => ({ type: "output_text" as const, text, annotations: [], logprobs: [] });

/** A `function_call` item for a parsed call: its arguments as the JSON string clients parse. */
export function functionCallItem(call: ToolCall, status: "in_progress" | "completed") {
  return {
    id: responsesId("fc_"),
    type: "function_call" as const,
    status,
    arguments: JSON.stringify(call.function.arguments ?? {}),
    call_id: responsesId("call_"),
    name: call.function.name,
  };
}

/** Responses usage for a final chunk; `reasoningTokens` is the thinking's length in tokens (counted by the caller). */
export function usageOf(final: FinalChunk, reasoningTokens: number) {
  const input = final[PROMPT_TOKENS] ?? final.prompt_eval_count ?? 0;
  const computed = Math.min(final.prompt_eval_count ?? input, input);
  const output = final.eval_count ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: input - computed },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: Math.min(reasoningTokens, output) },
    total_tokens: input + output,
  };
}

/** `completed`, or `incomplete` when the output was cut by the token limit (or the context filling up). */
export function statusOf(final: FinalChunk, calls: number) {
  if (calls === 0 && final.done_reason === "length") {
    return { status: "incomplete" as const, incomplete_details: { reason: "max_output_tokens" as const } };
  }
  return { status: "completed" as const, incomplete_details: null };
}

/** What the response echoes of its request, as OpenAI's does. */
export interface ResponseMeta {
  id: string;
  createdAt: number;
  body: ResponsesRequest;
}

/** The response object; `output` and `usage` are empty and null while it is in progress. */
export function responseObject(
  meta: ResponseMeta,
  state: {
    status: "in_progress" | "completed" | "incomplete";
    incomplete_details?: { reason: string } | null;
    output?: unknown[];
    usage?: ReturnType<typeof usageOf> | null;
  },
) {
  const body = meta.body;
  return {
    id: meta.id,
    object: "response" as const,
    created_at: meta.createdAt,
    status: state.status,
    background: false,
    completed_at: state.status === "in_progress" ? null : Math.floor(Date.now() / 1000),
    error: null,
    incomplete_details: state.incomplete_details ?? null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: body.metadata ?? {},
    model: body.model,
    output: state.output ?? [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: body.text?.format ?? { type: "text" }, verbosity: body.text?.verbosity ?? "medium" },
    tool_choice: body.tool_choice ?? "auto",
    tools: (body.tools ?? []).map((t) => ({ ...t, parameters: t.parameters ?? null, strict: t.strict ?? true })),
    top_p: body.top_p ?? 1,
    // our default cuts a prompt past the context (Ollama does), which is OpenAI's "auto"
    truncation: body.truncation ?? "auto",
    usage: state.usage ?? null,
    user: body.user ?? null,
  };
}

export type ResponseObject = ReturnType<typeof responseObject>;

/** The output items of a collected answer: reasoning, message, then function calls. */
export function outputItems(response: ChatResponse, oneToolCall: boolean, incomplete: boolean) {
  const items: Array<Record<string, unknown>> = [];
  const m = response.message;
  const status = incomplete ? "incomplete" : "completed";
  if (m.thinking) items.push(reasoningItem(responsesId("rs_"), m.thinking, status));
  if (hasText(m.content)) items.push(messageItem(responsesId("msg_"), m.content, status));
  const calls = (m.tool_calls ?? []).slice(0, oneToolCall ? 1 : undefined);
  for (const call of calls) items.push(functionCallItem(call, "completed"));
  // an answer with nothing in it is still a message, with one empty output_text (as OpenAI answers it)
  if (items.length === 0) items.push(messageItem(responsesId("msg_"), m.content, status));
  return items;
}

/** The output items as the assistant turn a follow-up (`previous_response_id`) continues from. */
export function assistantTurn(output: Array<Record<string, unknown>>): Message {
  const message: Message = { role: "assistant", content: "" };
  for (const item of output) {
    if (item.type === "reasoning") {
      message.thinking = (item.content as Array<{ text: string }>).map((c) => c.text).join("");
    } else if (item.type === "message") {
      message.content = (item.content as Array<{ text: string }>).map((c) => c.text).join("");
    } else if (item.type === "function_call") {
      const calls = message.tool_calls ??= [];
      calls.push({
        id: item.call_id as string,
        type: "function",
        function: { index: calls.length, name: item.name as string, arguments: JSON.parse(item.arguments as string) },
      });
    }
  }
  return message;
}
