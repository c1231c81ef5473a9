/**
 * `HEAD /api/blobs/:digest` (200 present, 404 absent) and `POST /api/blobs/:digest` (raw body, 201 created, 200 when
 * already present, 400 on a digest mismatch), the two steps a client runs before `/api/create` with `files`.
 * @module
 */
import type { Hono } from "hono";
import type { AppDeps } from "../deps.ts";
import { blobNotFound, invalidDigest } from "../errors.ts";

const DIGEST = /^sha256[:-][0-9a-fA-F]{64}$/;

/** `sha256:<hex>` for a valid digest in either spelling; throws 400 otherwise. */
export function normalizeDigest(digest: string): string {
  if (!DIGEST.test(digest)) throw invalidDigest();
  return `sha256:${digest.slice(7).toLowerCase()}`;
}

export function registerBlobRoutes(app: Hono, deps: AppDeps): void {
  // hono answers HEAD with the GET handler (body dropped); a real GET is not a route here.
  app.get("/api/blobs/:digest", async (c) => {
    if (c.req.raw.method !== "HEAD") return c.text("405 method not allowed", 405);
    const digest = normalizeDigest(c.req.param("digest"));
    if (!(await deps.store.hasBlob(digest))) throw blobNotFound(c.req.param("digest"));
    return c.body(null, 200);
  });

  app.post("/api/blobs/:digest", async (c) => {
    const digest = normalizeDigest(c.req.param("digest"));
    if (await deps.store.hasBlob(digest)) {
      await c.req.raw.body?.cancel().catch(() => {});
      return c.body(null, 200);
    }
    const body = c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
    const created = await deps.store.writeBlob(digest, body);
    return c.body(null, created ? 201 : 200);
  });
}
