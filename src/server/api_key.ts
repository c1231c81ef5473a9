/**
 * API keys (TOLLAMA_API_KEY): with keys set, every request but `GET|HEAD /`, `/api/version` and CORS preflights
 * must present one as `Authorization: Bearer <key>` or `x-api-key: <key>` (Anthropic's header). A missing or wrong
 * key is a 401 in the shape of the API asked: Ollama's `{"error"}` on /api/* (and /metrics), OpenAI's error object
 * on /v1/*, Anthropic's on /v1/messages*. Keys are compared as SHA-256 digests with timingSafeEqual against every
 * key, so neither a key's length nor which key matched shows in the timing; a key is never logged or echoed.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** True when `candidate` is one of the keys (already digested), checking all of them. */
export function keyMatches(candidate: string, keyDigests: Buffer[]): boolean {
  const given = digest(candidate);
  let match = false;
  for (const key of keyDigests) match = timingSafeEqual(given, key) || match;
  return match;
}

/** The keys a request presents: the Bearer token and the x-api-key header. */
function presented(c: Context): string[] {
  const keys: string[] = [];
  const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "");
  if (bearer) keys.push(bearer[1].trim());
  const apiKey = c.req.header("x-api-key");
  if (apiKey) keys.push(apiKey.trim());
  return keys;
}

function open(c: Context): boolean {
  if (c.req.method === "OPTIONS") return true;
  if (c.req.method !== "GET" && c.req.method !== "HEAD") return false;
  return c.req.path === "/" || c.req.path === "/api/version";
}

/** The 401 in the shape of the API the path belongs to. */
export function unauthorized(path: string, missing: boolean): Response {
  const headers = { "www-authenticate": 'Bearer realm="tollama"' };
  if (/^\/v1\/messages(\/|$)/.test(path)) {
    const message = missing ? "x-api-key header is required" : "invalid x-api-key";
    return Response.json({ type: "error", error: { type: "authentication_error", message } }, { status: 401, headers });
  }
  if (path.startsWith("/v1/")) {
    const message = missing
      ? "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'."
      : "Incorrect API key provided.";
    return Response.json(
      { error: { message, type: "invalid_request_error", param: null, code: "invalid_api_key" } },
      { status: 401, headers },
    );
  }
  return Response.json({ error: "unauthorized" }, { status: 401, headers });
}

/** The middleware; with no keys it lets everything through. */
export function apiKeyGuard(keys: readonly string[]): MiddlewareHandler {
  const keyDigests = keys.map(digest);
  return async (c, next) => {
    if (keyDigests.length === 0 || open(c)) return await next();
    const given = presented(c);
    let ok = false;
    for (const key of given) ok = keyMatches(key, keyDigests) || ok;
    if (!ok) return unauthorized(c.req.path, given.length === 0);
    await next();
  };
}
