/**
 * A chat chunk stream as Anthropic's stream events: `message_start`, then per content block (thinking, text,
 * tool_use, in the order the model wrote them) `content_block_start`, its deltas and `content_block_stop`, a `ping`
 * after the first block opens and whenever the model is silent for a while, then `message_delta` (stop reason and
 * usage) and `message_stop`.
 *
 * `message_start` waits until the prompt is rendered and counted (`promptReady`), so a failure before that (unknown
 * model, full queue, a load that fails) still answers with its own status; a failure later is an `error` event.
 * @module
 */
import type { ChatResponse, ToolCall } from "../../schemas.ts";
import { toolCallDeltasOf } from "../../generation.ts";
import { anthropicId, type FinalChunk, hasText, stopReason, toolUseBlock, usageOf } from "./message_response.ts";

/** One event; its `type` is also the SSE event name. */
export type MessageEvent = { type: string; [key: string]: unknown };

export interface MessageEventsMeta {
  id: string;
  model: string;
  maxTokens?: number;
  stopSequences?: string[];
  /** `disable_parallel_tool_use`: calls after the first are not sent. */
  oneToolCall?: boolean;
  /** Resolves with the prompt's token count once it is rendered (the chat core's `onPrompt`). */
  promptReady: Promise<number>;
  /** A `ping` when no event went out for this long (a long prompt being read). Default 10 s. */
  pingAfterMs?: number;
}

/**
 * A tool call's arguments as `input_json_delta` pieces. The parser yields a call only once it is whole, so its JSON
 * is cut into brackets, keys with their `:` and values with their `,`, as Anthropic's own deltas arrive in pieces.
 */
export function jsonPieces(json: string): string[] {
  return json.match(/[{[]|[}\]],?|[^{}[\],:]+[,:]?|[,:]/g) ?? [];
}

const TICK = Symbol("tick");

/** The events for a chat chunk stream; see the module doc. */
export async function* toMessageEvents(
  source: AsyncIterable<ChatResponse>,
  meta: MessageEventsMeta,
): AsyncGenerator<MessageEvent> {
  const iterator = source[Symbol.asyncIterator]();
  const pingAfter = meta.pingAfterMs ?? 10_000;
  let pending: Promise<IteratorResult<ChatResponse>> | undefined = iterator.next();
  // observed below; a client gone before it settles must not leave an unhandled rejection
  pending.catch(() => {});
  try {
    const promptTokens = await Promise.race([meta.promptReady, pending.then(() => undefined)]);
    yield {
      type: "message_start",
      message: {
        id: meta.id,
        type: "message",
        role: "assistant",
        model: meta.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // the prompt the model reads (cut to the context if it is longer) for now; message_delta splits it into
        // computed and cached once the engine has said (the prefix cache is only known once the prompt is placed)
        usage: { input_tokens: promptTokens ?? 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
      },
    };
    let index = -1;
    let open: "thinking" | "text" | undefined;
    let pinged = false;
    let calls = 0;
    // text not sent yet because it is only whitespace so far (it may turn out to sit between thinking and a call)
    let heldText = "";
    // the tool_use block whose input is streaming as the model writes it, by the call's function.index
    let streaming: { call: number; index: number } | undefined;
    const streamed = new Set<number>();
    // `whole`: the call came out whole; a call cut off mid-arguments (max_tokens) ends its block but is no call
    const endStreaming = function* (whole = false): Generator<MessageEvent> {
      if (!streaming) return;
      yield { type: "content_block_stop", index: streaming.index };
      streaming = undefined;
      if (whole) calls++;
    };
    const start = function* (block: Record<string, unknown>, kind?: "thinking" | "text"): Generator<MessageEvent> {
      if (open) yield { type: "content_block_stop", index };
      yield* endStreaming();
      index++;
      open = kind;
      yield { type: "content_block_start", index, content_block: block };
      if (!pinged) {
        pinged = true;
        yield { type: "ping" };
      }
    };
    const thinking = function* (text: string): Generator<MessageEvent> {
      if (open !== "thinking") yield* start({ type: "thinking", thinking: "", signature: "" }, "thinking");
      yield { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: text } };
    };
    const text = function* (piece: string): Generator<MessageEvent> {
      if (open !== "text") {
        heldText += piece;
        if (!hasText(heldText)) return;
        piece = heldText;
        yield* start({ type: "text", text: "" }, "text");
      }
      heldText = "";
      yield { type: "content_block_delta", index, delta: { type: "text_delta", text: piece } };
    };
    const inputDelta = function* (call: number, name: string, piece: string): Generator<MessageEvent> {
      if (streaming?.call !== call) {
        if (streamed.has(call) || (meta.oneToolCall && (calls > 0 || streaming))) return;
        heldText = "";
        yield* start({ type: "tool_use", id: anthropicId("toolu_"), name, input: {} });
        streaming = { call, index };
        streamed.add(call);
      }
      if (piece) yield { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: piece } };
    };
    const toolUse = function* (call: ToolCall): Generator<MessageEvent> {
      if (streamed.has(call.function.index ?? -1)) {
        // its input streamed already: the whole call ends its block
        if (streaming?.call === call.function.index) yield* endStreaming(true);
        return;
      }
      const block = toolUseBlock(call);
      heldText = "";
      yield* start({ ...block, input: {} });
      for (const partial_json of jsonPieces(JSON.stringify(block.input))) {
        yield { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } };
      }
      yield { type: "content_block_stop", index };
      calls++;
    };
    while (pending) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const tick = new Promise<typeof TICK>((resolve) => (timer = setTimeout(() => resolve(TICK), pingAfter)));
      const result = await Promise.race([pending, tick]).finally(() => clearTimeout(timer));
      if (result === TICK) {
        yield { type: "ping" };
        continue;
      }
      pending = undefined;
      if (result.done) return;
      const chunk = result.value;
      const m = chunk.message;
      if (m.thinking) yield* thinking(m.thinking);
      if (m.content) yield* text(m.content);
      for (const d of toolCallDeltasOf(chunk)) yield* inputDelta(d.index, d.name, d.arguments);
      for (const call of m.tool_calls ?? []) if (!(meta.oneToolCall && calls > 0) || streamed.has(call.function.index ?? -1)) yield* toolUse(call);
      if (!chunk.done) {
        pending = iterator.next();
        pending.catch(() => {});
        continue;
      }
      if (open) yield { type: "content_block_stop", index };
      yield* endStreaming();
      if (!pinged) yield { type: "ping" };
      const final = chunk as FinalChunk;
      yield {
        type: "message_delta",
        delta: stopReason(final, { maxTokens: meta.maxTokens, stopSequences: meta.stopSequences, toolCalls: calls }),
        usage: usageOf(final),
      };
      yield { type: "message_stop" };
    }
  } finally {
    // the client left (or the stream ended): stop the chat stream so its runner is given back
    pending?.catch(() => {});
    void Promise.resolve(iterator.return?.()).catch(() => {});
  }
}
