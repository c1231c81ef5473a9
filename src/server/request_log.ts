/**
 * One line per request on stdout, as gin's default logger writes it for Ollama:
 * `[GIN] 2026/12/05 - 01:02:03 | 200 |    12.345ms |       127.0.0.1 | POST     "/api/chat"`.
 * A streamed answer (NDJSON, SSE) is logged when its last byte has gone, so the latency covers the whole
 * generation as gin's does (Ollama's handler returns only after streaming).
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import process from "node:process";
import { goDuration, goQuote } from "../log.ts";

/** What one request's line holds. */
export interface RequestLogEntry {
  time: Date;
  status: number;
  latencyMs: number;
  client: string;
  method: string;
  /** Path and query, as sent. */
  path: string;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** gin's colors: status by class, method by name (its LogFormatter on a terminal). */
function statusColor(status: number): string {
  return status >= 500 ? "\x1b[97;41m" : status >= 400 ? "\x1b[90;43m" : status >= 300 ? "\x1b[90;47m" : status >= 200 ? "\x1b[97;42m" : "\x1b[0m";
}
const METHOD_COLORS: Record<string, string> = {
  GET: "\x1b[97;44m",
  POST: "\x1b[97;46m",
  PUT: "\x1b[90;43m",
  DELETE: "\x1b[97;41m",
  PATCH: "\x1b[97;42m",
  HEAD: "\x1b[97;45m",
  OPTIONS: "\x1b[90;47m",
};
const RESET = "\x1b[0m";

/** gin's LogFormatter; `color` as gin colours it when its output is a terminal. */
export function formatRequestLine(entry: RequestLogEntry, options: { color?: boolean } = {}): string {
  const t = entry.time;
  const stamp = `${t.getFullYear()}/${pad(t.getMonth() + 1)}/${pad(t.getDate())} - ${pad(t.getHours())}:${pad(t.getMinutes())}:${
    pad(t.getSeconds())
  }`;
  // gin truncates latencies over a minute to whole seconds
  const latency = entry.latencyMs > 60_000 ? Math.floor(entry.latencyMs / 1000) * 1000 : entry.latencyMs;
  const [status, method, reset] = options.color
    ? [statusColor(entry.status), METHOD_COLORS[entry.method] ?? RESET, RESET]
    : ["", "", ""];
  return `[GIN] ${stamp} |${status} ${String(entry.status).padStart(3)} ${reset}| ${goDuration(latency).padStart(13)} | ${
    entry.client.padStart(15)
  } |${method} ${entry.method.padEnd(7)} ${reset} ${goQuote(entry.path)}`;
}

/**
 * The middleware; `write` defaults to stdout (gin's DefaultWriter), coloured when stdout is a terminal as gin's
 * is. The runtime's peer address arrives as `c.env`.
 */
export function requestLog(write?: (line: string) => void): MiddlewareHandler {
  const color = !write && process.stdout.isTTY === true;
  const out = write ?? ((line: string) => console.log(line));
  return async (c, next) => {
    const started = performance.now();
    await next();
    const url = new URL(c.req.url);
    const client = (c.env as { remoteAddress?: string } | undefined)?.remoteAddress ?? "";
    const status = c.res.status;
    const done = () =>
      out(formatRequestLine({
        time: new Date(),
        status,
        latencyMs: performance.now() - started,
        client,
        method: c.req.method,
        path: url.pathname + url.search,
      }, { color }));
    whenSent(c, done);
  };
}

/** Calls `done` once the response is sent: now, or for a stream (NDJSON, SSE) when its body ends (also used by the metrics middleware). */
export function whenSent(c: Context, done: () => void): void {
  const type = c.res.headers.get("content-type") ?? "";
  const body = c.res.body;
  if (!body || !/^(application\/x-ndjson|text\/event-stream)/.test(type)) return done();
  c.res = new Response(onEnd(body, done), c.res);
}

/** `body` passed through unchanged, calling `done` once when it ends, fails or is cancelled by the client. */
function onEnd(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    done();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          controller.close();
          end();
        } else {
          controller.enqueue(next.value);
        }
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
}
