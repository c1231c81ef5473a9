/**
 * A chat chunk stream as the Responses API's stream events, each with the next `sequence_number`:
 * `response.created` and `response.in_progress`, then per output item (reasoning, message, function_call, in the
 * order the model wrote them) `response.output_item.added`, its content part and deltas, their `.done` events and
 * `response.output_item.done`, and last `response.completed` (or `response.incomplete`) with the whole response.
 *
 * `response.created` waits until the prompt is rendered (`promptReady`), so a failure before that (unknown model,
 * full queue, a load that fails) still answers with its own status; a failure later is an `error` event, numbered
 * from the same `sequence` counter by the caller's error body.
 * @module
 */
import type { ChatResponse, ToolCall } from "../../schemas.ts";
import { jsonPieces } from "../anthropic/message_events.ts";
import { hasText } from "../anthropic/message_response.ts";
import { toolCallDeltasOf } from "../../generation.ts";
import {
  type FinalChunk,
  functionCallItem,
  messageItem,
  outputText,
  reasoningItem,
  type ResponseMeta,
  responseObject,
  type ResponseObject,
  responsesId,
  statusOf,
  usageOf,
} from "./response_object.ts";

/** One event; its `type` is also the SSE event name. */
export type ResponseEvent = { type: string; sequence_number: number; [key: string]: unknown };

export interface ResponseEventsMeta extends ResponseMeta {
  /** `parallel_tool_calls: false`: calls after the first are not sent. */
  oneToolCall?: boolean;
  /** Settles once the prompt is rendered (the chat core's `onPrompt`). */
  promptReady: Promise<unknown>;
  /** The thinking's length in tokens, for `reasoning_tokens`. */
  countTokens(text: string): Promise<number>;
  /** The sequence numbers, shared with the `error` event the stream writer may add. */
  sequence: { next: number };
  /** The finished response (completed or incomplete), before its last event is sent. */
  onDone?(response: ResponseObject): void;
}

interface OpenItem {
  kind: "reasoning" | "message";
  id: string;
  index: number;
  text: string;
}

/** The events for a chat chunk stream; see the module doc. */
export async function* toResponseEvents(
  source: AsyncIterable<ChatResponse>,
  meta: ResponseEventsMeta,
): AsyncGenerator<ResponseEvent> {
  const iterator = source[Symbol.asyncIterator]();
  const event = (type: string, fields: Record<string, unknown>): ResponseEvent => ({
    type,
    sequence_number: meta.sequence.next++,
    ...fields,
  });
  let pending: Promise<IteratorResult<ChatResponse>> | undefined = iterator.next();
  // observed below; a client gone before it settles must not leave an unhandled rejection
  pending.catch(() => {});
  try {
    await Promise.race([meta.promptReady, pending]);
    const started = responseObject(meta, { status: "in_progress" });
    yield event("response.created", { response: started });
    yield event("response.in_progress", { response: started });
    const output: Array<Record<string, unknown>> = [];
    let open: OpenItem | undefined;
    let thinking = "";
    let calls = 0;
    // text not sent yet because it is only whitespace so far (it may turn out to sit between thinking and a call)
    let heldText = "";

    const close = function* (status: "completed" | "incomplete"): Generator<ResponseEvent> {
      if (!open) return;
      const { kind, id, index, text } = open;
      open = undefined;
      const at = { item_id: id, output_index: index, content_index: 0 };
      if (kind === "reasoning") {
        yield event("response.reasoning_text.done", { ...at, text });
        yield event("response.content_part.done", { ...at, part: { type: "reasoning_text", text } });
        output[index] = reasoningItem(id, text, status);
      } else {
        yield event("response.output_text.done", { ...at, text, logprobs: [] });
        yield event("response.content_part.done", { ...at, part: outputText(text) });
        output[index] = messageItem(id, text, status);
      }
      yield event("response.output_item.done", { output_index: index, item: output[index] });
    };
    const start = function* (kind: OpenItem["kind"]): Generator<ResponseEvent> {
      yield* close("completed");
      yield* endStreaming();
      const id = responsesId(kind === "reasoning" ? "rs_" : "msg_");
      open = { kind, id, index: output.length, text: "" };
      const item = kind === "reasoning" ? { ...reasoningItem(id, "", "in_progress"), content: [] } : messageItem(id, "", "in_progress");
      output.push(item);
      yield event("response.output_item.added", { output_index: open.index, item });
      const part = kind === "reasoning" ? { type: "reasoning_text", text: "" } : outputText("");
      yield event("response.content_part.added", { item_id: id, output_index: open.index, content_index: 0, part });
    };
    const delta = function* (kind: OpenItem["kind"], piece: string): Generator<ResponseEvent> {
      if (open?.kind !== kind) yield* start(kind);
      const item = open!;
      item.text += piece;
      const at = { item_id: item.id, output_index: item.index, content_index: 0 };
      if (kind === "reasoning") yield event("response.reasoning_text.delta", { ...at, delta: piece });
      else yield event("response.output_text.delta", { ...at, delta: piece, logprobs: [] });
    };
    const text = function* (piece: string): Generator<ResponseEvent> {
      if (open?.kind !== "message") {
        heldText += piece;
        if (!hasText(heldText)) return;
        piece = heldText;
      }
      heldText = "";
      yield* delta("message", piece);
    };
    // the function_call item whose arguments are streaming as the model writes them, by the call's function.index
    let streaming: { call: number; index: number; item: ReturnType<typeof functionCallItem> } | undefined;
    const streamed = new Set<number>();
    // `whole`: the call came out whole; one cut off mid-arguments (max_output_tokens) is an incomplete item, no call
    const endStreaming = function* (whole = false): Generator<ResponseEvent> {
      if (!streaming) return;
      const { index, item } = streaming;
      streaming = undefined;
      const done = { ...item, status: whole ? "completed" as const : "incomplete" as const };
      output[index] = done;
      const at = { item_id: item.id, output_index: index };
      yield event("response.function_call_arguments.done", { ...at, name: item.name, arguments: item.arguments });
      yield event("response.output_item.done", { output_index: index, item: done });
      if (whole) calls++;
    };
    const argumentsDelta = function* (call: number, name: string, piece: string): Generator<ResponseEvent> {
      if (streaming?.call !== call) {
        if (streamed.has(call) || (meta.oneToolCall && (calls > 0 || streaming))) return;
        yield* close("completed");
        yield* endStreaming();
        heldText = "";
        const item = { ...functionCallItem({ function: { name, arguments: {} } }, "in_progress"), arguments: "" };
        streaming = { call, index: output.length, item };
        streamed.add(call);
        output.push(item);
        yield event("response.output_item.added", { output_index: streaming.index, item: { ...item } });
      }
      if (!piece) return;
      streaming.item.arguments += piece;
      yield event("response.function_call_arguments.delta", { item_id: streaming.item.id, output_index: streaming.index, delta: piece });
    };
    const functionCall = function* (call: ToolCall): Generator<ResponseEvent> {
      if (streamed.has(call.function.index ?? -1)) {
        // its arguments streamed already: the whole call completes its item
        if (streaming?.call === call.function.index) yield* endStreaming(true);
        return;
      }
      yield* close("completed");
      yield* endStreaming();
      heldText = "";
      const done = functionCallItem(call, "completed");
      const index = output.length;
      output.push(done);
      yield event("response.output_item.added", { output_index: index, item: { ...done, arguments: "", status: "in_progress" } });
      // the parser yields a call once it is whole: its JSON is cut into pieces, as OpenAI's deltas arrive
      for (const piece of jsonPieces(done.arguments)) {
        yield event("response.function_call_arguments.delta", { item_id: done.id, output_index: index, delta: piece });
      }
      yield event("response.function_call_arguments.done", {
        item_id: done.id,
        output_index: index,
        name: done.name,
        arguments: done.arguments,
      });
      yield event("response.output_item.done", { output_index: index, item: done });
      calls++;
    };

    while (pending) {
      const result = await pending;
      pending = undefined;
      if (result.done) return;
      const chunk = result.value;
      const m = chunk.message;
      if (m.thinking) {
        thinking += m.thinking;
        yield* delta("reasoning", m.thinking);
      }
      if (m.content) yield* text(m.content);
      for (const d of toolCallDeltasOf(chunk)) yield* argumentsDelta(d.index, d.name, d.arguments);
      for (const call of m.tool_calls ?? []) {
        if (!(meta.oneToolCall && calls > 0) || streamed.has(call.function.index ?? -1)) yield* functionCall(call);
      }
      if (!chunk.done) {
        pending = iterator.next();
        pending.catch(() => {});
        continue;
      }
      const final = chunk as FinalChunk;
      const status = statusOf(final, calls);
      // an answer with nothing in it is still a message, with one empty output_text (as OpenAI answers it)
      if (output.length === 0) {
        yield* start("message");
        if (heldText) yield* delta("message", heldText);
      }
      yield* close(status.status);
      yield* endStreaming();
      const usage = usageOf(final, thinking ? await meta.countTokens(thinking) : 0);
      const response = responseObject(meta, { ...status, output, usage });
      meta.onDone?.(response);
      yield event(status.status === "completed" ? "response.completed" : "response.incomplete", { response });
    }
  } finally {
    // the client left (or the stream ended): stop the chat stream so its runner is given back
    pending?.catch(() => {});
    void Promise.resolve(iterator.return?.()).catch(() => {});
  }
}
