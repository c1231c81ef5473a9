/**
 * `uploadBlob(client, term, path, digest)`: `HEAD /api/blobs/:digest`, then (when the server lacks it) the file as
 * the raw body of `POST /api/blobs/:digest`, with the line Ollama's CLI shows meanwhile: `copying file sha256:… NN%`.
 *
 * The body goes through node:http with a Content-Length, not through fetch: Deno's fetch sends a stream body
 * chunked whatever the headers say, and a chunked upload into Deno's HTTP server ran at a few MB/s (issue 18).
 * A sized body is also what lets any server refuse a too-large upload before reading it.
 * @module
 */
import { Buffer } from "node:buffer";
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { type Client, ConnectionError, ResponseError, responseError } from "../client.ts";
import type { Terminal } from "../io.ts";

/** How often the line is redrawn on a terminal (Ollama's CLI ticks every 60 ms). */
const REDRAW_MS = 60;
/** Without a terminal, a line per 10 % step, once the upload has run this long (a small file gets the final line only). */
const PLAIN_AFTER_MS = 1000;
const READ_SIZE = 4 << 20;

/** Uploads `path` as blob `digest` unless the server already has it. */
export async function uploadBlob(client: Client, term: Terminal, path: string, digest: string): Promise<void> {
  try {
    await client.request("HEAD", `/api/blobs/${digest}`);
    return;
  } catch (error) {
    if (!(error instanceof ResponseError) || error.status !== 404) throw error;
  }
  const real = await realpath(path);
  const size = (await stat(real)).size;
  const line = progressLine(term, digest, size);
  try {
    await postFile(client, `/api/blobs/${digest}`, real, size, line.update);
  } catch (error) {
    line.stop();
    // The error goes on a line of its own, not after the half-drawn percentage.
    if (term.stderrIsTTY) term.err("\n");
    throw error;
  }
  line.stop();
  line.done();
}

/** The `copying file` line: redrawn in place on a terminal, 10 % steps in a log, 100 % at the end either way. */
function progressLine(term: Terminal, digest: string, size: number) {
  const started = Date.now();
  let sent = 0;
  let shown = -1;
  const percent = () => (size === 0 ? 100 : Math.floor((100 * sent) / size));
  const draw = () => {
    const now = percent();
    if (now === shown) return;
    if (term.stderrIsTTY) {
      term.err(`\x1b[2K\rcopying file ${digest} ${now}%`);
      shown = now;
    } else if (Date.now() - started >= PLAIN_AFTER_MS && Math.floor(now / 10) !== Math.floor(shown / 10) && now < 100) {
      term.err(`copying file ${digest} ${now}%\n`);
      shown = now;
    }
  };
  if (term.stderrIsTTY) draw();
  const timer = setInterval(draw, REDRAW_MS);
  return {
    update: (bytes: number) => void (sent = bytes),
    stop: () => clearInterval(timer),
    done: () => term.err(`${term.stderrIsTTY ? "\x1b[2K\r" : ""}copying file ${digest} 100%\n`),
  };
}

/** POSTs the file's bytes; `onSent` gets the bytes handed to the socket so far. Non-2xx throws `ResponseError`. */
function postFile(client: Client, path: string, file: string, size: number, onSent: (bytes: number) => void): Promise<void> {
  const url = new URL(`${client.baseUrl}${path}`);
  return new Promise<void>((resolve, reject) => {
    let answered = false;
    const request = (url.protocol === "https:" ? https : http).request(url, {
      method: "POST",
      // A connection of its own, closed after: no pooled socket keeps the CLI waiting at exit.
      agent: false,
      // the client's own headers (the API key) as on every other request
      headers: { ...client.headers(false), "Content-Length": String(size), "Content-Type": "application/octet-stream" },
    }, (response) => {
      answered = true;
      const chunks: Uint8Array[] = [];
      response.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        // An early answer (an error) leaves the rest of the file unsent.
        body.destroy();
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve();
        reject(responseError(status, response.statusMessage ?? "", Buffer.concat(chunks).toString("utf8")));
      });
    });
    // A server that answers before reading the whole body (an error) may reset the connection: its answer wins.
    request.on("error", (error) => {
      if (!answered) reject(sent === 0 ? new ConnectionError(client.baseUrl, error) : error);
    });
    let sent = 0;
    const body = createReadStream(file, { highWaterMark: READ_SIZE });
    body.on("data", (chunk) => {
      sent += chunk.length;
      onSent(sent);
    });
    body.on("error", (error) => {
      request.destroy(error);
      reject(error);
    });
    body.pipe(request);
  });
}
