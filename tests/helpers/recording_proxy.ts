/**
 * A transparent HTTP proxy that records every exchange (request line, headers, body; status and the whole response
 * text) while streaming the answer through unchanged, for tests where a client we do not control (an agent CLI
 * run as a child process) talks to a real server and the test wants to see what went over the wire:
 * ```ts
 * await using proxy = await startRecordingProxy(server.url);
 * // point the client at proxy.url, run it, then read proxy.exchanges
 * ```
 * A client that hangs up aborts the upstream request too, so a cancelled generation stops on the server.
 * @module
 */
import { runtime } from "../../src/runtime/mod.ts";

export interface Exchange {
  method: string;
  /** Path and query as the client sent them (`/v1/messages?beta=true`). */
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  responseHeaders: Record<string, string>;
  /** The response body as text, complete once `done` resolves. */
  response: string;
  done: Promise<void>;
}

export interface RecordingProxy extends AsyncDisposable {
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

// Hop-by-hop and framing headers: fetch sets its own.
const DROP = new Set(["host", "connection", "content-length", "transfer-encoding", "accept-encoding", "keep-alive"]);

export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const exchanges: Exchange[] = [];
  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
    const headers = Object.fromEntries(request.headers);
    const forward = Object.fromEntries(Object.entries(headers).filter(([name]) => !DROP.has(name)));
    const answer = await fetch(upstream + url.pathname + url.search, {
      method: request.method,
      headers: forward,
      body: body === "" ? undefined : body,
      signal: request.signal,
    });
    const finished = Promise.withResolvers<void>();
    const exchange: Exchange = {
      method: request.method,
      path: url.pathname + url.search,
      headers,
      body,
      status: answer.status,
      responseHeaders: Object.fromEntries(answer.headers),
      response: "",
      done: finished.promise,
    };
    exchanges.push(exchange);
    const decoder = new TextDecoder();
    const recorded = answer.body?.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          exchange.response += decoder.decode(chunk, { stream: true });
          controller.enqueue(chunk);
        },
        flush() {
          exchange.response += decoder.decode();
          finished.resolve();
        },
      }),
    );
    if (!recorded) finished.resolve();
    const responseHeaders = new Headers(answer.headers);
    responseHeaders.delete("content-length");
    responseHeaders.delete("content-encoding");
    return new Response(recorded ?? null, { status: answer.status, headers: responseHeaders });
  };
  const server = await runtime.serve(handler, { hostname: "127.0.0.1", port: 0 });
  const close = () => server.close();
  return { url: `http://127.0.0.1:${server.port}`, exchanges, close, [Symbol.asyncDispose]: close };
}
