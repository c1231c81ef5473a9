/**
 * The HTTP edge of every stream: one function turns an AsyncIterable into NDJSON (Ollama), one into SSE (OpenAI), and
 * one into SSE with named events (Anthropic).
 * Both pull the first item before answering, so an error before the first byte becomes a real status with an error
 * body, and an error after it becomes a final error line (Ollama's `streamResponse`). When the client goes away
 * the stream's cancel aborts `abort` and closes the iterator, which stops generation.
 * @module
 */
import { errorResponse, openAiErrorBody, openAiErrorResponse } from "./errors.ts";

const encoder = new TextEncoder();

export interface StreamOptions {
  /** Aborted when the client disconnects (the stream is cancelled), so the producer stops. */
  abort?: AbortController;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

interface Framing<T> {
  contentType: string;
  item(value: T): string;
  error(error: unknown): string;
  end?: string;
  errorResponse(error: unknown): Response;
}

async function streamWith<T>(source: AsyncIterable<T>, framing: Framing<T>, options: StreamOptions): Promise<Response> {
  const iterator = source[Symbol.asyncIterator]();
  let first: IteratorResult<T>;
  try {
    first = await iterator.next();
  } catch (error) {
    options.abort?.abort();
    return framing.errorResponse(error);
  }
  let pending: IteratorResult<T> | undefined = first;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const result = pending ?? await iterator.next();
        pending = undefined;
        if (closed) return;
        if (result.done) {
          closed = true;
          if (framing.end) controller.enqueue(encoder.encode(framing.end));
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(framing.item(result.value)));
      } catch (error) {
        if (closed) return;
        closed = true;
        controller.enqueue(encoder.encode(framing.error(error)));
        controller.close();
      }
    },
    async cancel() {
      closed = true;
      options.abort?.abort();
      try {
        await iterator.return?.();
      } catch {
        // the producer's cleanup error has no one left to read it
      }
    },
  }, { highWaterMark: 0 });
  return new Response(stream, {
    status: 200,
    headers: { "content-type": framing.contentType, ...options.headers },
  });
}

/** `application/x-ndjson`: one JSON value and `\n` per item; a mid-stream error is a final `{"error": ...}` line. */
export function ndjsonResponse<T>(source: AsyncIterable<T>, options: StreamOptions = {}): Promise<Response> {
  return streamWith(source, {
    contentType: "application/x-ndjson",
    item: (value) => JSON.stringify(value) + "\n",
    error: (error) => JSON.stringify({ error: errorMessage(error) }) + "\n",
    errorResponse,
  }, options);
}

/** `text/event-stream` for OpenAI: `data: <json>` per item, then `data: [DONE]`; an error is an OpenAI error event. */
export function sseResponse<T>(source: AsyncIterable<T>, options: StreamOptions = {}): Promise<Response> {
  return streamWith(source, {
    contentType: "text/event-stream",
    item: (value) => `data: ${JSON.stringify(value)}\n\n`,
    error: (error) => `data: ${JSON.stringify(openAiErrorBody(error))}\n\n`,
    end: "data: [DONE]\n\n",
    errorResponse: openAiErrorResponse,
  }, { ...options, headers: { "cache-control": "no-cache", ...options.headers } });
}

/**
 * `text/event-stream` with named events (Anthropic's): `event: <type>` and `data: <json>` per item, no end marker;
 * an error after the first byte is an `event: error` carrying `errorBody`, one before it is `errorResponse`.
 */
export function eventStreamResponse<T extends { type: string }>(
  source: AsyncIterable<T>,
  options: StreamOptions & { errorBody(error: unknown): unknown; errorResponse(error: unknown): Response },
): Promise<Response> {
  const { errorBody, errorResponse, ...rest } = options;
  return streamWith(source, {
    contentType: "text/event-stream",
    item: (value) => `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`,
    error: (error) => `event: error\ndata: ${JSON.stringify(errorBody(error))}\n\n`,
    errorResponse,
  }, { ...rest, headers: { "cache-control": "no-cache", ...rest.headers } });
}

function errorMessage(error: unknown): string {
  return openAiErrorBody(error).error.message;
}
