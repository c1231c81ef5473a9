/**
 * One place where registry requests are made: the User-Agent, the 401 → challenge → retry dance (the auth scheme
 * itself plugs in as a hook), retries of idempotent requests on transient failures, and Ollama's error shapes
 * (`file does not exist` for 404, `<code>: <body>` for other failures, `unauthorized: access denied`). A request
 * that gets no answer fails as a `RegistryConnectionError` named the same way on Deno and Bun (fetch_error.ts);
 * only what another try can fix is tried again.
 * @module
 */
import process from "node:process";
import { runtime } from "../runtime/mod.ts";
import { OLLAMA_COMPAT_VERSION, TOLLAMA_VERSION } from "../version.ts";
import { describeFetchError, RegistryConnectionError } from "./fetch_error.ts";

export { type ConnectionFailureKind, describeFetchError, RegistryConnectionError } from "./fetch_error.ts";

/** Media type of the manifests Ollama's registry serves (the `Accept` of a manifest GET). */
export const MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json";

/**
 * Answers a 401. `challenge` is the response's `WWW-Authenticate` value (never empty: a 401 without one fails
 * before the hook is asked); the hook returns the `Authorization` header value for the retry, e.g. `Bearer <token>`.
 */
export type AuthHook = (challenge: string, request: { url: URL; method: string }) => Promise<string>;

/** Shared by the requests of one pull or push, so a token is fetched once and reused. */
export interface RegistrySession {
  authorization?: string;
}

export interface RegistryFetchOptions {
  auth?: AuthHook;
  session?: RegistrySession;
  signal?: AbortSignal;
  /** Statuses ≥ 400 returned to the caller instead of thrown (a HEAD that may 404, for one). */
  allow?: readonly number[];
  /**
   * Extra attempts for GET/HEAD after a failure another try can fix (default 0), with jittered backoff: a reset or
   * timeout, a 5xx, a 429. A refused connection, an unknown host, a TLS failure or another 4xx fail at once.
   */
  retries?: number;
  /** First backoff in ms (doubles per attempt, ±50% jitter, at most 10 s). Default 500. */
  backoffMs?: number;
}

/** A registry answered with an error status; the message is Ollama's `<code>: <body>`. */
export class RegistryError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string, message = `${status}: ${body}`) {
    super(message);
    this.name = "RegistryError";
    this.status = status;
    this.body = body;
  }
}

/** 404 from the registry: Go's `file does not exist`, which Ollama passes through (`pull model manifest: ...`). */
export class RegistryNotFoundError extends RegistryError {
  constructor(body: string) {
    super(404, body, "file does not exist");
    this.name = "RegistryNotFoundError";
  }
}

/** 401 that auth could not fix (or that came without a challenge to answer). */
export class UnauthorizedError extends RegistryError {
  constructor(body: string, detail?: string) {
    super(401, body, detail ? `unauthorized: access denied (${detail})` : "unauthorized: access denied");
    this.name = "UnauthorizedError";
  }
}

function goArch(arch: string): string {
  return ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" } as Record<string, string>)[arch] ?? arch;
}

/**
 * Ollama's registry reads the client version from the User-Agent (models can require a minimum version), so the
 * string starts the way Ollama's does, with the Ollama version tollama speaks, and then names tollama.
 */
export const USER_AGENT = `ollama/${OLLAMA_COMPAT_VERSION} (${goArch(process.arch)} ${process.platform}) ` +
  `tollama/${TOLLAMA_VERSION} ${runtime.name}/${runtime.version}`;

/** Jittered exponential backoff: `base × 2^attempt`, capped at 10 s, times a random factor in [0.5, 1.5). */
export function backoffDelay(attempt: number, baseMs: number): number {
  const ms = Math.min(baseMs * 2 ** attempt, 10_000);
  return ms * (0.5 + Math.random());
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

async function readBody(response: Response): Promise<string> {
  try {
    return (await response.text()).trim();
  } catch (error) {
    return String(error);
  }
}

/**
 * `fetch` for registry URLs. Adds the User-Agent and the session's Authorization; on 401 asks `auth` once and
 * retries; throws `RegistryNotFoundError`, `UnauthorizedError` or `RegistryError` for error statuses not in
 * `allow`. Bodies are sent again on the retry, so pass a re-readable body (string, bytes, Blob), not a stream.
 */
export async function registryFetch(
  url: string | URL,
  init: RequestInit = {},
  options: RegistryFetchOptions = {},
): Promise<Response> {
  const target = new URL(url);
  const method = (init.method ?? "GET").toUpperCase();
  const idempotent = method === "GET" || method === "HEAD";
  const retries = idempotent ? options.retries ?? 0 : 0;
  const session = options.session ?? {};
  let authorized = false;
  for (let attempt = 0;; attempt++) {
    const headers = new Headers(init.headers);
    if (!headers.has("user-agent")) headers.set("user-agent", USER_AGENT);
    if (session.authorization && !headers.has("authorization")) headers.set("authorization", session.authorization);
    let response: Response;
    try {
      response = await fetch(target, { ...init, headers, signal: options.signal ?? init.signal });
    } catch (error) {
      if (options.signal?.aborted || init.signal?.aborted) throw error;
      const described = await describeFetchError(error, target, method);
      if (attempt >= retries || (described instanceof RegistryConnectionError && !described.retryable)) throw described;
      await sleep(backoffDelay(attempt, options.backoffMs ?? 500), options.signal);
      continue;
    }
    if (response.status === 401) {
      const body = await readBody(response);
      const challenge = response.headers.get("www-authenticate") ?? "";
      if (authorized || !options.auth) throw new UnauthorizedError(body);
      if (challenge.trim() === "") throw new UnauthorizedError(body, "no WWW-Authenticate challenge");
      session.authorization = await options.auth(challenge, { url: target, method });
      authorized = true;
      attempt--; // the auth round trip is not a failed attempt
      continue;
    }
    if (response.status < 400 || options.allow?.includes(response.status)) return response;
    const body = await readBody(response);
    if ((response.status >= 500 || response.status === 429) && attempt < retries) {
      await sleep(backoffDelay(attempt, options.backoffMs ?? 500), options.signal);
      continue;
    }
    if (response.status === 404) throw new RegistryNotFoundError(body);
    throw new RegistryError(response.status, body);
  }
}

/** A request that got no answer in time (headers and body both count). */
export class RequestTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer from the registry in ${ms} ms`);
    this.name = "RequestTimeoutError";
  }
}

/**
 * Runs `attempt` with a signal that also fires after `timeoutMs`, so a registry that accepts a request and then
 * says nothing cannot hang a pull; a timed-out attempt is made again (at most `retries` more times), an abort of
 * `signal` is not.
 */
export async function retryOnTimeout<T>(
  timeoutMs: number,
  retries: number,
  signal: AbortSignal | undefined,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  for (let tries = 0;; tries++) {
    const timer = new AbortController();
    const handle = setTimeout(() => timer.abort(new RequestTimeoutError(timeoutMs)), timeoutMs);
    try {
      return await attempt(signal ? AbortSignal.any([signal, timer.signal]) : timer.signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!timer.signal.aborted) throw error;
      if (tries >= retries) throw timer.signal.reason;
    } finally {
      clearTimeout(handle);
    }
  }
}
