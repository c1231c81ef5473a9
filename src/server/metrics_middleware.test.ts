import { test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { metricsMiddleware } from "./metrics_middleware.ts";
import { ServerMetrics } from "./metrics.ts";

test("metricsMiddleware() labels by route pattern, counts a stream when its last byte has gone", async () => {
  const metrics = new ServerMetrics();
  const app = new Hono();
  app.use("*", metricsMiddleware(metrics));
  app.get("/api/blobs/:digest", (c) => c.text("no", 404));
  app.get("/v1/models/:model{.+}", (c) => c.json({}));
  let push!: ReadableStreamDefaultController<Uint8Array>;
  app.post("/api/chat", () =>
    new Response(new ReadableStream({ start: (c) => void (push = c) }), { headers: { "content-type": "application/x-ndjson" } }));
  await (await app.request("/api/blobs/sha256:abc")).text();
  await (await app.request("/v1/models/library/tiny:latest")).text();
  await (await app.request("/nowhere")).text();
  assert.equal(metrics.requests.get({ method: "GET", route: "/api/blobs/:digest", status: "404" }), 1);
  assert.equal(metrics.requests.get({ method: "GET", route: "/v1/models/:model", status: "200" }), 1);
  assert.equal(metrics.requests.get({ method: "GET", route: "unmatched", status: "404" }), 1);

  const response = await app.request("/api/chat", { method: "POST" });
  assert.equal(metrics.inFlight.get(), 1);
  assert.equal(metrics.requests.get({ method: "POST", route: "/api/chat", status: "200" }), 0);
  push.enqueue(new TextEncoder().encode("{}\n"));
  push.close();
  await response.text();
  assert.equal(metrics.inFlight.get(), 0);
  assert.equal(metrics.requests.get({ method: "POST", route: "/api/chat", status: "200" }), 1);
  assert.equal(metrics.requestDuration.get({ method: "POST", route: "/api/chat" }).count, 1);
  assert.doesNotMatch(metrics.render(), /sha256|nowhere|library/);
});
