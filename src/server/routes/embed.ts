/**
 * `POST /api/embed` (string or list, `truncate`, `dimensions`, L2-normalised vectors) and the legacy
 * `POST /api/embeddings` (one prompt, raw vector). `embedInputs` is shared with `/v1/embeddings`.
 * @module
 */
import type { Hono } from "hono";
import type { AppDeps, ResolvedModel } from "../deps.ts";
import { readJson } from "../body.ts";
import { EmbeddingRequestSchema, EmbedRequestSchema } from "../schemas.ts";
import { ApiError, inputTooLong, invalidInputType, modelNotFoundPull } from "../errors.ts";
import { resolveOptions } from "../options.ts";
import { loadSpec } from "../generation.ts";
import { keepAliveMs } from "../request_fields.ts";
import { requestAbort } from "./_progress.ts";
import { nanos } from "../time.ts";

/** Scales a vector to unit length; NaN or Inf anywhere is an error (Ollama refuses them too). */
export function l2Normalize(vector: number[]): number[] {
  let sum = 0;
  for (const x of vector) {
    if (!Number.isFinite(x)) throw new ApiError(500, "embedding contains NaN or Inf values");
    sum += x * x;
  }
  const norm = Math.sqrt(sum);
  return norm === 0 ? vector.slice() : vector.map((x) => x / norm);
}

async function resolveForEmbed(deps: AppDeps, name: string): Promise<ResolvedModel> {
  try {
    return await deps.store.resolve(name);
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 404 || status === 400 || (error as Error).name === "ModelNotFoundError") {
      throw modelNotFoundPull(name);
    }
    throw error;
  }
}

export interface EmbedResult {
  embeddings: number[][];
  promptTokens: number;
  loadMs: number;
  totalMs: number;
}

/** Embeds `inputs` with `model` (loading it if needed); `normalize` L2-normalises (and `dimensions` cuts first). */
export async function embedInputs(deps: AppDeps, request: {
  model: string;
  inputs: string[];
  options?: Record<string, unknown> | null;
  keepAlive?: number | string | null;
  truncate?: boolean;
  dimensions?: number;
  normalize: boolean;
  signal: AbortSignal;
}): Promise<EmbedResult> {
  const started = (deps.now ?? Date.now)();
  const model = await resolveForEmbed(deps, request.model);
  const options = resolveOptions([model.params, request.options], {
    contextLength: deps.contextLength?.(),
    trainedContext: model.details.context_length,
  });
  const keepAlive = keepAliveMs(request.keepAlive, deps);
  if (request.dimensions !== undefined && (!Number.isInteger(request.dimensions) || request.dimensions < 1)) {
    throw new ApiError(400, "dimensions must be a positive integer");
  }
  const lease = await deps.scheduler.acquire(loadSpec(model, options), { signal: request.signal });
  try {
    if (request.inputs.length === 0) return { embeddings: [], promptTokens: 0, loadMs: lease.loadMs, totalMs: 0 };
    const result = await lease.runner.embed(request.inputs, {
      truncate: request.truncate ?? true,
      signal: request.signal,
    }).catch((error) => {
      // The engine names the sizes; Ollama's message does not.
      if (/exceeds the context length/.test((error as Error).message)) throw inputTooLong();
      throw error;
    });
    const embeddings = result.embeddings.map((vector) => {
      const cut = request.dimensions ? vector.slice(0, request.dimensions) : vector;
      return request.normalize ? l2Normalize(cut) : cut;
    });
    return {
      embeddings,
      promptTokens: result.promptTokens,
      loadMs: lease.loadMs,
      totalMs: (deps.now ?? Date.now)() - started,
    };
  } finally {
    lease.release(keepAlive);
  }
}

export function registerEmbedRoutes(app: Hono, deps: AppDeps): void {
  app.post("/api/embed", async (c) => {
    const body = await readJson(c.req.raw, EmbedRequestSchema, "EmbedRequest", deps.bodyLimit);
    let inputs: string[];
    if (body.input === undefined || body.input === null) inputs = [];
    else if (typeof body.input === "string") inputs = body.input ? [body.input] : [];
    else if (Array.isArray(body.input) && body.input.every((s) => typeof s === "string")) inputs = body.input;
    else throw invalidInputType();
    const result = await embedInputs(deps, {
      model: body.model,
      inputs,
      options: body.options,
      keepAlive: body.keep_alive,
      truncate: body.truncate ?? true,
      dimensions: body.dimensions ?? undefined,
      normalize: true,
      signal: requestAbort(c.req.raw).signal,
    });
    if (inputs.length === 0) return c.json({ model: body.model, embeddings: [] });
    return c.json({
      model: body.model,
      embeddings: result.embeddings,
      total_duration: nanos(result.totalMs),
      load_duration: nanos(result.loadMs),
      prompt_eval_count: result.promptTokens,
    });
  });

  app.post("/api/embeddings", async (c) => {
    const body = await readJson(c.req.raw, EmbeddingRequestSchema, "EmbeddingRequest", deps.bodyLimit);
    const prompt = body.prompt ?? "";
    const result = await embedInputs(deps, {
      model: body.model,
      inputs: prompt ? [prompt] : [],
      options: body.options,
      keepAlive: body.keep_alive,
      normalize: false,
      signal: requestAbort(c.req.raw).signal,
    });
    return c.json({ embedding: result.embeddings[0] ?? [] });
  });
}
