/**
 * The CLI's HTTP client of a tollama (or Ollama) server at OLLAMA_HOST: the CLI is a client, `serve` is the server.
 * @module
 */
import { config } from "../config.ts";
import { parseNdjson } from "./ndjson.ts";

/** A non-2xx answer from the server, carrying its `{"error"}` message and status. */
export class ResponseError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = "ResponseError";
  }
}

/** The error of a non-2xx answer: its `{"error"}` message, or the body as text, or the status line. */
export function responseError(status: number, statusText: string, text: string): ResponseError {
  let message = text || `${status} ${statusText}`.trim();
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed?.error === "string") message = parsed.error;
  } catch { /* not JSON: keep the text */ }
  return new ResponseError(message, status);
}

/** The server could not be reached at all. */
export class ConnectionError extends Error {
  constructor(readonly baseUrl: string, cause: unknown) {
    super(`could not connect to tollama server at ${baseUrl}, is it running? Start it with 'tollama serve'`, { cause });
    this.name = "ConnectionError";
  }
}

export interface ProgressEvent {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
  error?: string;
}

export class Client {
  readonly baseUrl: string;

  constructor(baseUrl: string = config.host().url) {
    // A bind-all address is not something to connect to; Ollama's client does the same substitution.
    this.baseUrl = baseUrl.replace("://0.0.0.0:", "://127.0.0.1:").replace(/\/+$/, "");
  }

  /** JSON content type when there is a body; the first of TOLLAMA_API_KEY's keys as a Bearer token when set. */
  headers(json: boolean): Record<string, string> {
    const headers: Record<string, string> = json ? { "Content-Type": "application/json" } : {};
    const key = config.apiKeys()[0];
    if (key) headers["Authorization"] = `Bearer ${key}`;
    return headers;
  }

  async request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ConnectionError(this.baseUrl, error);
    }
    if (!response.ok) throw responseError(response.status, response.statusText, await response.text());
    return response;
  }

  async json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await this.request(method, path, body, signal);
    const text = await response.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** POSTs and yields each NDJSON value; an `{"error"}` line throws. */
  async *stream<T>(path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<T> {
    const response = await this.request("POST", path, body, signal);
    if (!response.body) return;
    for await (const value of parseNdjson<T & { error?: string }>(response.body)) {
      if (typeof value.error === "string") throw new ResponseError(value.error, 500);
      yield value as Awaited<T>;
    }
  }

  /** True when the server answers at all. */
  async heartbeat(): Promise<boolean> {
    try {
      await this.request("HEAD", "/");
      return true;
    } catch {
      return false;
    }
  }
}
