/**
 * Feeds the HTTP metrics: each request counted by method, route pattern (hono's, never the raw path: a path is
 * an unbounded label value) and status, its duration measured to the last byte sent, as the request log does.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { ServerMetrics } from "./metrics.ts";
import { whenSent } from "./request_log.ts";

/** The pattern of the route that answered (`/api/blobs/:digest`), or `unmatched` for a 404/405. */
export function routeLabel(c: Context): string {
  const route = matchedRoutes(c).findLast((r) => r.method !== "ALL");
  // hono's regex suffix (`:model{.+}`) says nothing a dashboard needs
  return route ? route.path.replace(/\{[^}]*\}/g, "") : "unmatched";
}

export function metricsMiddleware(metrics: ServerMetrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    metrics.inFlight.inc();
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      metrics.inFlight.inc({}, -1);
      const route = routeLabel(c);
      metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
      metrics.requestDuration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
    };
    try {
      await next();
    } catch (error) {
      done();
      throw error;
    }
    whenSent(c, done);
  };
}
