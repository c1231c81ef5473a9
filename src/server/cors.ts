/**
 * CORS as Ollama configures gin-contrib/cors: origins from OLLAMA_ORIGINS plus the localhost set, `*` wildcards,
 * browser extensions always allowed. A request whose Origin is not allowed gets 403; a preflight gets 204.
 * @module
 */
import type { MiddlewareHandler } from "hono";

const BROWSER_EXTENSIONS = ["chrome-extension://", "safari-extension://", "moz-extension://", "ms-browser-extension://"];
const ALLOWED_HEADERS = [
  "Authorization",
  "Content-Type",
  "User-Agent",
  "Accept",
  "X-Requested-With",
  "OpenAI-Beta",
  "x-stainless-arch",
  "x-stainless-async",
  "x-stainless-custom-poll-interval",
  "x-stainless-helper-method",
  "x-stainless-lang",
  "x-stainless-os",
  "x-stainless-package-version",
  "x-stainless-poll-helper",
  "x-stainless-retry-count",
  "x-stainless-runtime",
  "x-stainless-runtime-version",
  "x-stainless-timeout",
];
const ALLOWED_METHODS = "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS";

/** Ollama's origin list: the extra origins first, then localhost, 127.0.0.1 and 0.0.0.0 on any port, then app schemes. */
export function defaultOrigins(extra: string[]): string[] {
  const origins = [...extra];
  for (const host of ["localhost", "127.0.0.1", "0.0.0.0"]) {
    origins.push(`http://${host}`, `https://${host}`, `http://${host}:*`, `https://${host}:*`);
  }
  origins.push("app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*");
  return origins;
}

/** True when `origin` matches one pattern (a single `*` matches any run of characters, as gin-contrib's wildcard). */
export function originAllowed(origin: string, patterns: string[]): boolean {
  if (BROWSER_EXTENSIONS.some((prefix) => origin.startsWith(prefix))) return true;
  for (const pattern of patterns) {
    if (pattern === "*") return true;
    const star = pattern.indexOf("*");
    if (star < 0) {
      if (pattern === origin) return true;
      continue;
    }
    const prefix = pattern.slice(0, star);
    const suffix = pattern.slice(star + 1);
    if (origin.length >= prefix.length + suffix.length && origin.startsWith(prefix) && origin.endsWith(suffix)) return true;
  }
  return false;
}

/** The CORS middleware for a fixed list of origin patterns. */
export function cors(patterns: string[]): MiddlewareHandler {
  const any = patterns.includes("*");
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (!origin) return await next();
    const host = c.req.header("host");
    if (host && (origin === `http://${host}` || origin === `https://${host}`)) return await next();
    if (!originAllowed(origin, patterns)) return c.body(null, 403);
    const headers: Record<string, string> = {
      "access-control-allow-origin": any ? "*" : origin,
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-allow-headers": ALLOWED_HEADERS.join(","),
      "access-control-max-age": "43200",
    };
    if (!any) headers["vary"] = "Origin";
    if (c.req.method === "OPTIONS") return new Response(null, { status: 204, headers });
    await next();
    for (const [name, value] of Object.entries(headers)) {
      if (!name.endsWith("max-age") && !name.endsWith("allow-headers")) c.res.headers.set(name, value);
    }
  };
}
