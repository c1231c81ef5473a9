/** `GET /metrics`: the Prometheus text exposition (server/metrics.ts says what is measured). */
import type { Hono } from "hono";
import { CONTENT_TYPE } from "../../metrics/mod.ts";
import type { ServerMetrics } from "../metrics.ts";

export function registerMetricsRoute(app: Hono, metrics: ServerMetrics): void {
  app.get("/metrics", () => new Response(metrics.render(), { headers: { "content-type": CONTENT_TYPE } }));
}
