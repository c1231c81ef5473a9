/**
 * Runs campaign cases against the server child and judges each answer: a clear 4xx must carry the API's JSON error
 * body; a dropped connection, a hang or a dead process is recorded with the request that caused it, and a dead or
 * stuck server is restarted over the same store so the inputs after it still run.
 * @module
 */
import { appendFileSync } from "node:fs";
import { type ApiShape, bodyBytes, type Case, describeRequest, type Outcome, passed, type Result } from "./case.ts";
import type { Exit, ServerChild } from "./server_child.ts";

/** Gin's plain-text answers for routing errors, which Ollama sends too. */
const ROUTER_TEXT = /^(404 page not found|405 method not allowed)$/;

/** True when `text` is an error body in the API's shape. */
export function isErrorBody(api: ApiShape, text: string): boolean {
  if (ROUTER_TEXT.test(text.trim())) return true;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  const error = (value as { error?: unknown } | null)?.error;
  if (api === "ollama") return typeof error === "string" && error.length > 0;
  if (api === "anthropic" && (value as { type?: unknown }).type !== "error") return false;
  const e = error as { message?: unknown; type?: unknown } | undefined;
  return typeof e?.message === "string" && e.message.length > 0 && typeof e.type === "string";
}

/** The outcome class of an HTTP answer. */
export function classify(api: ApiShape, method: string, status: number, text: string): Outcome {
  if (status >= 200 && status < 400) return "2xx";
  if (status >= 500) return "5xx";
  // A HEAD answer has no body to judge.
  if (method === "HEAD" || isErrorBody(api, text)) return "4xx";
  return "unclear4xx";
}

/** A crash: how the process ended and the end of its log. */
export interface Crash {
  caseId: string;
  exit: Exit | "unresponsive";
  log: string;
}

/** Holds the current server child, and restarts it when a case kills or wedges it. */
export class Campaign {
  server: ServerChild;
  readonly results: Result[] = [];
  readonly crashes: Crash[] = [];
  #restart: () => Promise<ServerChild>;
  #logPath: string | undefined;

  /** `logPath`: a file that gets one line per result as the campaign goes (to follow a long run, or replay it). */
  constructor(server: ServerChild, restart: () => Promise<ServerChild>, logPath?: string) {
    this.server = server;
    this.#restart = restart;
    this.#logPath = logPath;
  }

  #log(result: Result): void {
    if (!this.#logPath) return;
    const verdict = passed(result) ? "ok  " : "FAIL";
    const line = `${verdict} ${result.outcome} ${result.status ?? "-"} ${result.ms}ms '${result.case.id}' ` +
      `${describeRequest(result.case, 160)} → ${result.detail.slice(0, 160).replace(/\n/g, " ")}\n`;
    appendFileSync(this.#logPath, line);
  }

  /** Sends one case and records its result. */
  async run(c: Case): Promise<Result> {
    const result = await this.#send(c);
    const crashed = await this.#checkAlive(c, result.outcome);
    if (crashed) {
      result.outcome = "crash";
      result.detail = `${crashed}; answer was: ${result.detail}`;
    }
    this.results.push(result);
    this.#log(result);
    return result;
  }

  /** Records a result produced elsewhere (raw-socket faults), with the same crash check. */
  async record(result: Result): Promise<Result> {
    const crashed = await this.#checkAlive(result.case, result.outcome);
    if (crashed) {
      result.outcome = "crash";
      result.detail = `${crashed}; ${result.detail}`;
    }
    this.results.push(result);
    this.#log(result);
    return result;
  }

  async #send(c: Case): Promise<Result> {
    const started = Date.now();
    const timeoutMs = c.timeoutMs ?? 60_000;
    const body = bodyBytes(c);
    const headers: Record<string, string> = { ...c.headers };
    if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
    try {
      const response = await fetch(this.server.url + c.path, {
        method: c.method,
        headers,
        body: body as BodyInit | undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      const outcome = classify(c.api, c.method, response.status, text);
      return { case: c, outcome, status: response.status, detail: text.slice(0, 200), ms: Date.now() - started };
    } catch (error) {
      const name = (error as Error).name;
      const outcome: Outcome = name === "TimeoutError" || name === "AbortError" ? "hang" : "drop";
      return { case: c, outcome, detail: String(error).slice(0, 200), ms: Date.now() - started };
    }
  }

  /** After a bad outcome: did the process die, or stop answering? Restarts it when so; returns why. */
  async #checkAlive(c: Case, outcome: Outcome): Promise<string | undefined> {
    const server = this.server;
    const suspicious = outcome === "5xx" || outcome === "drop" || outcome === "hang";
    if (suspicious && !server.exit) await Promise.race([server.exited, sleep(1500)]);
    if (server.exit) {
      const exit = server.exit;
      await this.#replace(server, { caseId: c.id, exit, log: server.log().slice(-4000) });
      return `server died (${exit.signal ?? `exit ${exit.code}`})`;
    }
    if (outcome === "hang" && !(await this.responsive())) {
      await server.stop(2000);
      await this.#replace(server, { caseId: c.id, exit: "unresponsive", log: server.log().slice(-4000) });
      return "server stopped answering (killed and restarted)";
    }
    return undefined;
  }

  // Concurrent cases (the race) may all see one death: the first restarts, the others wait for it.
  #replacing: Promise<void> | undefined;
  async #replace(dead: ServerChild, crash: Crash): Promise<void> {
    if (this.server !== dead) return await this.#replacing;
    if (!this.#replacing) {
      this.crashes.push(crash);
      this.#replacing = this.#restart().then((server) => {
        this.server = server;
        this.#replacing = undefined;
      });
    }
    await this.#replacing;
  }

  /** True when the server answers /api/version within 10 s. */
  async responsive(): Promise<boolean> {
    try {
      const response = await fetch(this.server.url + "/api/version", { signal: AbortSignal.timeout(10_000) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
