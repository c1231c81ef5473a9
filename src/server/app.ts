/**
 * `createApp(deps)`: the hono app speaking Ollama's REST API and OpenAI's. Middleware order follows Ollama: the
 * DNS-rebinding guard, CORS, then the routes; one error handler; unknown paths answer `404 page not found` and a
 * known path with the wrong method `405 method not allowed` (gin's HandleMethodNotAllowed).
 * @module
 */
import { Hono } from "hono";
import type { AppDeps } from "./deps.ts";
import { cors, defaultOrigins } from "./cors.ts";
import { hostGuard } from "./host_guard.ts";
import { errorResponse, toApiError } from "./errors.ts";
import { OLLAMA_COMPAT_VERSION } from "../version.ts";
import { requestLog } from "./request_log.ts";
import { registerModelRoutes } from "./routes/models.ts";
import { registerBlobRoutes } from "./routes/blobs.ts";
import { registerGenerateRoutes } from "./routes/generate.ts";
import { registerChatRoutes } from "./routes/chat.ts";
import { registerEmbedRoutes } from "./routes/embed.ts";
import { registerOpenAiRoutes } from "./routes/openai/mod.ts";
import { registerAnthropicRoutes } from "./routes/anthropic/mod.ts";
import { registerResponsesRoutes } from "./routes/responses/mod.ts";
import { registerMetricsRoute } from "./routes/metrics.ts";
import { ServerMetrics } from "./metrics.ts";
import { metricsMiddleware } from "./metrics_middleware.ts";
import { apiKeyGuard } from "./api_key.ts";

/** Every route: method and path (hono syntax), for 405 detection. */
const ROUTES: Array<[string[], RegExp]> = [
  [["GET", "HEAD"], /^\/$/],
  [["GET", "HEAD"], /^\/api\/version$/],
  [["POST"], /^\/api\/(generate|chat|embed|embeddings|pull|push|create|show|copy)$/],
  [["GET", "HEAD"], /^\/api\/(tags|ps)$/],
  [["DELETE"], /^\/api\/delete$/],
  [["HEAD", "POST"], /^\/api\/blobs\/[^/]+$/],
  [["POST"], /^\/v1\/(chat\/completions|completions|embeddings|messages|messages\/count_tokens|responses)$/],
  [["GET", "DELETE"], /^\/v1\/responses\/[^/]+$/],
  [["GET"], /^\/v1\/models(\/.+)?$/],
];

/** The app for these dependencies; `app.request()` serves it without a port, `startServer` binds it. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const metrics = deps.metrics === false ? undefined : deps.metrics ?? new ServerMetrics(deps.scheduler);
  deps = { ...deps, metrics };
  // First, so that it also sees what the guard refuses (gin's logger comes before Ollama's middleware too).
  if (deps.logRequests) app.use("*", requestLog());
  // Counted before the guards, so refused requests (403, 401) show too.
  if (metrics) app.use("*", metricsMiddleware(metrics));
  app.use("*", hostGuard(deps.bindHost ?? "127.0.0.1"));
  app.use("*", cors(defaultOrigins(deps.origins ?? [])));
  // After CORS: a preflight is answered there, and a 401 still carries the CORS headers a browser needs to read it.
  app.use("*", apiKeyGuard(deps.apiKeys ?? []));

  app.get("/", (c) => c.text("Ollama is running"));
  app.get("/api/version", (c) => c.json({ version: OLLAMA_COMPAT_VERSION }));
  registerModelRoutes(app, deps);
  registerBlobRoutes(app, deps);
  registerGenerateRoutes(app, deps);
  registerChatRoutes(app, deps);
  registerEmbedRoutes(app, deps);
  registerOpenAiRoutes(app, deps);
  registerAnthropicRoutes(app, deps);
  registerResponsesRoutes(app, deps);
  if (metrics) registerMetricsRoute(app, metrics);

  app.notFound((c) => {
    const path = c.req.path;
    const known = ROUTES.find(([, pattern]) => pattern.test(path));
    if (known && !known[0].includes(c.req.method)) {
      return c.text("405 method not allowed", 405, { allow: known[0].join(", ") });
    }
    return c.text("404 page not found", 404);
  });
  app.onError((error) => {
    if (toApiError(error).status === 500) console.error("request failed:", error);
    return errorResponse(error);
  });
  return app;
}
