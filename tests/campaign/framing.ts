/**
 * Faults below JSON, over raw sockets: a Content-Length larger than the body followed by a half-close, a bad chunk
 * size, a declared 1 TB body, conflicting framing headers, a garbage request line, slowloris-style partial headers
 * (the server must keep answering others meanwhile), and clients that leave mid-stream or mid-upload. Closing the
 * connection is an acceptable answer to a framing error; a response must be a 4xx with a JSON error, never a 5xx.
 * @module
 */
import { connect, type Socket } from "node:net";
import type { Case, Outcome, Result } from "./case.ts";
import { classify, sleep } from "./runner.ts";

/** What came back on a raw connection: the bytes, and whether the server closed it. */
interface RawAnswer {
  text: string;
  closed: boolean;
  error?: string;
}

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Writes `parts` (with `gapMs` between them), optionally half-closes, and reads until close or `deadlineMs`. */
async function exchange(
  url: string,
  parts: string[],
  options: { halfClose?: boolean; deadlineMs?: number; gapMs?: number } = {},
): Promise<RawAnswer> {
  const socket = await open(url);
  let text = "";
  let closed = false;
  let error: string | undefined;
  const done = new Promise<void>((resolve) => {
    socket.on("data", (data: Uint8Array) => text += new TextDecoder().decode(data));
    socket.on("end", () => {
      closed = true;
      resolve();
    });
    socket.on("close", () => {
      closed = true;
      resolve();
    });
    socket.on("error", (e) => {
      error = String(e);
      closed = true;
      resolve();
    });
  });
  for (const part of parts) {
    if (closed) break;
    socket.write(part);
    if (options.gapMs) await sleep(options.gapMs);
  }
  if (options.halfClose) socket.end();
  // A complete response is enough even when the server keeps the connection open.
  const deadline = Date.now() + (options.deadlineMs ?? 15_000);
  while (!closed && Date.now() < deadline && !responseComplete(text)) await sleep(20);
  await Promise.race([done, sleep(closed ? 0 : 10)]);
  socket.destroy();
  return { text, closed, error };
}

/** True once `text` holds a whole HTTP response (headers, and a Content-Length body or a chunked body's end). */
function responseComplete(text: string): boolean {
  const head = text.indexOf("\r\n\r\n");
  if (head < 0) return false;
  const headers = text.slice(0, head).toLowerCase();
  const length = /content-length:\s*(\d+)/.exec(headers)?.[1];
  const body = text.slice(head + 4);
  if (length !== undefined) return new TextEncoder().encode(body).length >= Number(length);
  if (headers.includes("transfer-encoding: chunked")) return body.includes("0\r\n\r\n");
  return false;
}

/** Status and body of the first response in `text`. */
function parseResponse(text: string): { status: number; body: string } | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!match) return undefined;
  const head = text.indexOf("\r\n\r\n");
  let body = head < 0 ? "" : text.slice(head + 4);
  if (/transfer-encoding:\s*chunked/i.test(text.slice(0, head))) {
    let out = "";
    let rest = body;
    while (true) {
      const line = rest.indexOf("\r\n");
      const size = parseInt(rest.slice(0, line), 16);
      if (!(size > 0)) break;
      out += rest.slice(line + 2, line + 2 + size);
      rest = rest.slice(line + 2 + size + 2);
    }
    body = out;
  }
  return { status: Number(match[1]), body };
}

function judge(c: Case, answer: RawAnswer, started: number): Result {
  const response = parseResponse(answer.text);
  const ms = Date.now() - started;
  if (!response) {
    const outcome: Outcome = answer.closed ? "drop" : "hang";
    return {
      case: c,
      outcome,
      detail: `${outcome}${answer.error ? `: ${answer.error}` : ""} ${answer.text.slice(0, 80)}`,
      ms,
    };
  }
  const outcome = classify(c.api, c.method, response.status, response.body);
  return { case: c, outcome, status: response.status, detail: response.body.slice(0, 200), ms };
}

const CLOSE_OR_CLEAR: Outcome[] = ["4xx", "drop"];
/**
 * A request the HTTP parser refuses before any handler runs: Go's net/http answers these `400 Bad Request` in
 * plain text (431 for huge headers, 505 for an HTTP version it does not speak) and closes, so a bare refusal is
 * Ollama's own answer. (Bun's parser also says 505 to a NUL in the request line.)
 */
const PARSER_REFUSAL: Outcome[] = ["4xx", "drop"];
const PARSER_STATUSES = [400, 413, 431, 505];

function rawCase(id: string, request: string, allow: Outcome[] = CLOSE_OR_CLEAR): Case {
  const allowStatuses = allow.includes("drop") && allow !== CLOSE_OR_CLEAR ? PARSER_STATUSES : undefined;
  return {
    id: `framing ${id}`,
    method: "POST",
    path: "/api/generate",
    body: request,
    raw: true,
    api: "ollama",
    allow,
    allowStatuses,
  };
}

const head = (extra: string) =>
  `POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${extra}\r\n`;

/** The single-connection framing faults: each gives one result. */
export async function framingFaults(url: string): Promise<Result[]> {
  const faults: Array<{ c: Case; parts: string[]; halfClose?: boolean; deadlineMs?: number; gapMs?: number }> = [
    {
      c: rawCase("Content-Length 100, 9 bytes, half-close", ""),
      parts: [head("Content-Length: 100\r\n"), '{"model":'],
      halfClose: true,
    },
    {
      c: rawCase("Content-Length 1000000, 9 bytes, half-close", ""),
      parts: [head("Content-Length: 1000000\r\n"), '{"model":'],
      halfClose: true,
    },
    // The runtime's parser may refuse a bad chunk itself, bodiless, even once the handler reads the body (Bun does).
    {
      c: rawCase("bad chunk size with the headers", "", PARSER_REFUSAL),
      parts: [head("Transfer-Encoding: chunked\r\n") + "zz\r\n{}\r\n0\r\n\r\n"],
      halfClose: true,
    },
    {
      c: rawCase("bad chunk size after a good chunk", "", PARSER_REFUSAL),
      parts: [head("Transfer-Encoding: chunked\r\n") + '9\r\n{"model":\r\n', "zz\r\n{}\r\n0\r\n\r\n"],
      gapMs: 300,
      halfClose: true,
    },
    {
      c: rawCase("chunk longer than sent, half-close", ""),
      parts: [head("Transfer-Encoding: chunked\r\n"), '1000\r\n{"model":'],
      halfClose: true,
    },
    {
      c: rawCase("chunk size overflowing 64 bits", "", PARSER_REFUSAL),
      parts: [head("Transfer-Encoding: chunked\r\n"), "ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n"],
      halfClose: true,
    },
    {
      c: rawCase("declared 1 TB body", ""),
      parts: [head("Content-Length: 1099511627776\r\n"), '{"model":"tiny"'],
      deadlineMs: 10_000,
    },
    {
      c: rawCase("declared 1 TB body, half-close", ""),
      parts: [head("Content-Length: 1099511627776\r\n"), '{"model":"tiny"'],
      halfClose: true,
    },
    {
      c: rawCase("negative Content-Length", "", PARSER_REFUSAL),
      parts: [head("Content-Length: -5\r\n"), "{}"],
      halfClose: true,
    },
    {
      c: rawCase("Content-Length not a number", "", PARSER_REFUSAL),
      parts: [head("Content-Length: abc\r\n"), "{}"],
      halfClose: true,
    },
    {
      c: rawCase("two different Content-Lengths", "", PARSER_REFUSAL),
      parts: [head("Content-Length: 2\r\nContent-Length: 40\r\n"), "{}"],
      halfClose: true,
    },
    {
      c: rawCase("Content-Length and chunked", "", ["2xx", ...PARSER_REFUSAL]),
      parts: [head("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n"), "2\r\n{}\r\n0\r\n\r\n"],
      halfClose: true,
    },
    { c: rawCase("garbage request line", "", PARSER_REFUSAL), parts: ["GARBAGE\r\n\r\n"], halfClose: true },
    {
      c: rawCase("header line without a colon", "", PARSER_REFUSAL),
      parts: ["GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColonHere\r\n\r\n"],
      halfClose: true,
    },
    {
      c: rawCase("HTTP/9.9", "", PARSER_REFUSAL),
      parts: ["GET /api/version HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n"],
      halfClose: true,
    },
    {
      c: rawCase("a NUL in the path", "", PARSER_REFUSAL),
      parts: ["GET /api/ver\u0000sion HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"],
      halfClose: true,
    },
    {
      c: rawCase("a 64 KiB header", "", PARSER_REFUSAL),
      parts: [head(`X-Big: ${"a".repeat(65536)}\r\nContent-Length: 2\r\n`), "{}"],
      halfClose: true,
    },
  ];
  const results: Result[] = [];
  for (const fault of faults) {
    const started = Date.now();
    const answer = await exchange(url, fault.parts, {
      halfClose: fault.halfClose,
      deadlineMs: fault.deadlineMs,
      gapMs: fault.gapMs,
    });
    results.push(judge(fault.c, answer, started));
  }
  return results;
}

/**
 * Slowloris: `count` connections each send half a header and stall; meanwhile a normal request must be answered.
 * One result: 2xx when the normal request got its answer.
 */
export async function slowloris(url: string, count = 32): Promise<Result> {
  const c: Case = {
    id: `framing slowloris (${count} partial headers)`,
    method: "GET",
    path: "/api/version",
    api: "ollama",
    allow: ["2xx"],
  };
  const sockets: Socket[] = [];
  const started = Date.now();
  try {
    for (let i = 0; i < count; i++) {
      const socket = await open(url);
      socket.on("error", () => {});
      socket.write("POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le");
      sockets.push(socket);
    }
    await sleep(500);
    const response = await fetch(url + "/api/version", { signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    return {
      case: c,
      outcome: classify("ollama", "GET", response.status, text),
      status: response.status,
      detail: text,
      ms: Date.now() - started,
    };
  } catch (error) {
    return {
      case: c,
      outcome: "hang",
      detail: `normal request failed while partial headers were open: ${error}`,
      ms: Date.now() - started,
    };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/** A client reading a streamed generate leaves after the first chunk; 2xx when the first chunk came. */
export async function leaveMidStream(url: string, path: string, body: unknown): Promise<Result> {
  const c: Case = {
    id: `framing client leaves mid-stream ${path}`,
    method: "POST",
    path,
    body,
    api: "ollama",
    allow: ["2xx"],
  };
  const started = Date.now();
  const abort = new AbortController();
  try {
    const response = await fetch(url + path, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    const first = await reader.read();
    abort.abort();
    await reader.cancel().catch(() => {});
    const text = new TextDecoder().decode(first.value ?? new Uint8Array());
    return {
      case: c,
      outcome: response.ok ? "2xx" : classify("ollama", "POST", response.status, text),
      status: response.status,
      detail: text.slice(0, 200),
      ms: Date.now() - started,
    };
  } catch (error) {
    return { case: c, outcome: "drop", detail: String(error), ms: Date.now() - started };
  }
}

/** A client uploading a blob leaves after part of it; the store must keep nothing of it (checked by the scan). */
export async function leaveMidUpload(url: string): Promise<Result> {
  const digest = "sha256:" + "ab".repeat(32);
  const c: Case = {
    id: "framing client leaves mid-upload /api/blobs",
    method: "POST",
    path: `/api/blobs/${digest}`,
    api: "ollama",
    allow: ["drop", "4xx"],
  };
  const started = Date.now();
  const answer = await exchange(url, [
    `POST /api/blobs/${digest} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000\r\n\r\n`,
    "x".repeat(1_000_000),
  ], { deadlineMs: 1500 });
  // Still open after 1.5 s (the server is waiting for the rest): leaving now is the fault under test.
  if (!answer.closed) return { case: c, outcome: "drop", detail: "left mid-upload", ms: Date.now() - started };
  return judge(c, answer, started);
}
