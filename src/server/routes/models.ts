/**
 * Local model management: tags, show, copy, delete, ps, and the progress-streaming pull, push and create.
 * @module
 */
import type { Hono } from "hono";
import type { AppDeps } from "../deps.ts";
import { readJson } from "../body.ts";
import {
  CopyRequestSchema,
  CreateRequestSchema,
  DeleteRequestSchema,
  type ProcessModel,
  PullRequestSchema,
  PushRequestSchema,
  ShowRequestSchema,
} from "../schemas.ts";
import { ApiError, invalidDestination, invalidModelName, invalidName, invalidSource, modelRequired } from "../errors.ts";
import { progressResponse, requestAbort } from "./_progress.ts";
import { isValidModelName } from "../names.ts";
import { rfc3339 } from "../time.ts";
import { countPulledBytes } from "./_pull_bytes.ts";

/** A far-future expiry for models that never unload (Ollama adds the max duration, ~292 years). */
const FOREVER_MS = 200 * 365 * 24 * 3600_000;

/**
 * The estimate's bytes on devices other than this machine's CPU (RPC workers): the layers past the CPU's share,
 * as libllama assigns them (the output layer last). 0 when the model is all on the CPU, as Ollama says on CPU.
 */
function offloadedBytes(layers?: number[], devices?: Array<{ name: string; layers: number }>): number {
  if (!layers || !devices) return 0;
  const onCpu = devices.filter((d) => d.name === "CPU").reduce((n, d) => n + d.layers, 0);
  return layers.slice(onCpu).reduce((a, b) => a + b, 0);
}

export function registerModelRoutes(app: Hono, deps: AppDeps): void {
  const now = deps.now ?? Date.now;

  app.get("/api/tags", async (c) => c.json({ models: await deps.store.list() }));

  app.post("/api/show", async (c) => {
    const body = await readJson(c.req.raw, ShowRequestSchema, "ShowRequest", deps.bodyLimit);
    const name = body.model || body.name || "";
    if (!name) throw modelRequired();
    return c.json(await deps.store.show(name, { verbose: body.verbose ?? false }));
  });

  app.post("/api/copy", async (c) => {
    const body = await readJson(c.req.raw, CopyRequestSchema, "CopyRequest", deps.bodyLimit);
    const source = body.source ?? "";
    const destination = body.destination ?? "";
    if (!isValidModelName(source)) throw invalidSource(source);
    if (!isValidModelName(destination)) throw invalidDestination(destination);
    await deps.store.copy(source, destination);
    return c.body(null, 200);
  });

  app.delete("/api/delete", async (c) => {
    const body = await readJson(c.req.raw, DeleteRequestSchema, "DeleteRequest", deps.bodyLimit);
    const name = body.model || body.name || "";
    if (!isValidModelName(name)) throw invalidName(name);
    await deps.store.delete(name);
    return c.body(null, 200);
  });

  app.get("/api/ps", (c) => {
    const models: ProcessModel[] = deps.scheduler.list().map((status) => {
      const extra = status.spec.extra ?? {};
      const expiresAt = Number.isNaN(status.expiresAt)
        ? now() + (deps.keepAliveMs?.() ?? 300_000)
        : status.expiresAt === Infinity
        ? now() + FOREVER_MS
        : status.expiresAt;
      return {
        name: status.spec.name,
        model: status.spec.model,
        size: status.memory?.total ?? status.runner?.size ?? 0,
        digest: String(extra.digest ?? ""),
        details: extra.details as ProcessModel["details"],
        expires_at: rfc3339(Math.min(expiresAt, now() + FOREVER_MS)),
        size_vram: offloadedBytes(status.memory?.layers, status.runner?.devices),
        context_length: status.runner?.contextLength ?? status.spec.options.num_ctx ?? 0,
        ...(status.runner?.devices ? { devices: status.runner.devices } : {}),
      };
    });
    return c.json({ models });
  });

  app.post("/api/pull", async (c) => {
    const body = await readJson(c.req.raw, PullRequestSchema, "PullRequest", deps.bodyLimit);
    const name = body.model || body.name || "";
    if (!isValidModelName(name)) throw invalidModelName();
    const abort = requestAbort(c.req.raw);
    const pulled = deps.store.pull(name, { insecure: body.insecure ?? false, signal: abort.signal });
    const source = deps.metrics ? countPulledBytes(pulled, deps.metrics) : pulled;
    return await progressResponse(c, source, { stream: body.stream ?? true, abort });
  });

  app.post("/api/push", async (c) => {
    const body = await readJson(c.req.raw, PushRequestSchema, "PushRequest", deps.bodyLimit);
    const name = body.model || body.name || "";
    if (!name) throw modelRequired();
    if (!isValidModelName(name)) throw invalidModelName();
    const abort = requestAbort(c.req.raw);
    const source = deps.store.push(name, { insecure: body.insecure ?? false, signal: abort.signal });
    return await progressResponse(c, source, { stream: body.stream ?? true, abort });
  });

  // Beyond Ollama: `{"model": "m", "from": "/abs/path/model.gguf", "link": true}` creates `m` from a GGUF file in
  // place: the file is hashed (streamed) and the blob is a symlink to it, so nothing is copied; show reports the
  // path (`link`), and a moved or changed file is refused at show and load time (409). With `quantize` the file is
  // only read, and the quantized weights are stored as a normal blob.
  app.post("/api/create", async (c) => {
    const body = await readJson(c.req.raw, CreateRequestSchema, "CreateRequest", deps.bodyLimit);
    const name = body.model || body.name || "";
    if (!isValidModelName(name)) throw invalidModelName();
    if (!body.from && !body.files && !body.modelfile) {
      throw new ApiError(400, "neither 'from' or 'files' was specified");
    }
    const abort = requestAbort(c.req.raw);
    const source = deps.store.create({ ...body, model: name }, abort.signal);
    return await progressResponse(c, source, { stream: body.stream ?? true, abort });
  });
}
