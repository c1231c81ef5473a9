/**
 * One campaign input: an HTTP request and the answers that count as handling it well. `allow` lists the outcome
 * classes that pass; a crash, a dropped connection and a hang never pass unless the case says so (framing faults
 * may be answered by closing).
 * @module
 */

/** How a request ended, as the campaign judges it. */
export type Outcome =
  | "2xx" // served
  | "4xx" // a clear client error: a 4xx with the API's JSON error body
  | "unclear4xx" // a 4xx without the API's error body
  | "5xx"
  | "drop" // the connection closed without a response
  | "hang" // no response within the case's deadline
  | "crash"; // the server process died

/** Which error body shape an answer must have. */
export type ApiShape = "ollama" | "openai" | "anthropic";

export interface Case {
  /** Stable name, e.g. `generate options.num_batch=1.5`; with the seed it replays the input. */
  id: string;
  method: string;
  path: string;
  /** An object is sent as JSON; a string or bytes as they are. */
  body?: unknown;
  raw?: boolean;
  headers?: Record<string, string>;
  api: ApiShape;
  allow: Outcome[];
  /** Statuses that pass whatever their body (the HTTP parser's own refusals, which no handler sees). */
  allowStatuses?: number[];
  /** Deadline for the whole answer (default 60 s). */
  timeoutMs?: number;
}

/** A request body as bytes on the wire. */
export function bodyBytes(c: Case): Uint8Array | string | undefined {
  if (c.body === undefined) return undefined;
  if (c.raw) return c.body as Uint8Array | string;
  return JSON.stringify(c.body);
}

/** What happened to one case. */
export interface Result {
  case: Case;
  outcome: Outcome;
  status?: number;
  /** The first 200 characters of the answer (or the error), for the report. */
  detail: string;
  ms: number;
}

/** True when the result is one the case allows. */
export function passed(result: Result): boolean {
  if (result.case.allow.includes(result.outcome)) return true;
  return result.outcome !== "crash" && result.status !== undefined &&
    !!result.case.allowStatuses?.includes(result.status);
}

/** A short description of a case's request for the report: method, path and the start of the body. */
export function describeRequest(c: Case, max = 300): string {
  let body = "";
  if (c.body !== undefined) {
    const bytes = bodyBytes(c)!;
    body = typeof bytes === "string" ? bytes : `<${bytes.length} bytes: ${hex(bytes.subarray(0, 60))}…>`;
    if (body.length > max) body = `${body.slice(0, max)}… (${body.length} chars)`;
  }
  return `${c.method} ${c.path}${body ? ` ${body}` : ""}`;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
