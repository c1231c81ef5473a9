/**
 * The OpenAI-compatible routes: `/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`, `/v1/models`,
 * `/v1/models/:model`. Each maps to the native core and answers errors in OpenAI's shape.
 * @module
 */
import type { Context, Hono } from "hono";
import type { AppDeps } from "../../deps.ts";
import { checkNesting, readJsonValue } from "../../body.ts";
import * as v from "valibot";
import { ApiError, openAiErrorResponse } from "../../errors.ts";
import { sseResponse } from "../../stream.ts";
import { chatChunks, collectChat } from "../chat.ts";
import { collectGenerate, generateChunks } from "../generate.ts";
import { embedInputs } from "../embed.ts";
import { requestAbort } from "../_progress.ts";
import { OpenAiChatRequestSchema, toChatChunks, toChatCompletion, toChatRequest } from "./chat_mapping.ts";
import { OpenAiCompletionRequestSchema, toCompletion, toCompletionChunks, toGenerateRequest } from "./completions.ts";
import { embeddingInputs, OpenAiEmbeddingRequestSchema, toEmbeddingList } from "./embeddings.ts";
import { tryParseModelName } from "../../../registry/mod.ts";
import { anthropicModel, anthropicModelList, isAnthropicClient } from "../anthropic/models.ts";
import { anthropicErrorResponse } from "../anthropic/errors.ts";

/** An Anthropic client's answer, its errors in Anthropic's shape. */
function anthropicOr(answer: () => Response): Response {
  try {
    return answer();
  } catch (error) {
    return anthropicErrorResponse(error);
  }
}

async function readOpenAi<S extends v.GenericSchema>(
  c: Context,
  schema: S,
  limit?: number,
): Promise<v.InferOutput<S>> {
  const value = await readJsonValue(c.req.raw, limit);
  const result = v.safeParse(schema, value);
  if (result.success) {
    checkNesting(result.output);
    return result.output;
  }
  const issue = result.issues[0];
  const path = (issue.path ?? []).map((p) => String(p.key)).join(".");
  throw new ApiError(400, path ? `invalid value for '${path}': ${issue.message}` : issue.message);
}

function openAi(handler: (c: Context) => Promise<Response>) {
  return async (c: Context) => {
    try {
      return await handler(c);
    } catch (error) {
      return openAiErrorResponse(error);
    }
  };
}

const unix = () => Math.floor(Date.now() / 1000);
const ownedBy = (name: string) => tryParseModelName(name)?.namespace ?? "library";

export function registerOpenAiRoutes(app: Hono, deps: AppDeps): void {
  app.post("/v1/chat/completions", openAi(async (c) => {
    const body = await readOpenAi(c, OpenAiChatRequestSchema, deps.bodyLimit);
    const { request, toolChoice } = toChatRequest(body);
    const abort = requestAbort(c.req.raw);
    const result = await chatChunks(deps, request, abort, {
      toolChoice,
      // a forced call is one call unless the request asks for parallel ones (llama.cpp's default)
      parallelToolCalls: body.parallel_tool_calls === true,
      streamToolArguments: body.stream === true,
    });
    const id = `chatcmpl-${Math.floor(Math.random() * 999)}`;
    const created = unix();
    const source = Symbol.asyncIterator in result ? result : (async function* () {
      yield result;
    })();
    if (!body.stream) return c.json(toChatCompletion(await collectChat(source), id, created));
    const includeUsage = body.stream_options?.include_usage ?? false;
    return await sseResponse(toChatChunks(source, { id, created, model: body.model, includeUsage }), { abort });
  }));

  app.post("/v1/completions", openAi(async (c) => {
    const body = await readOpenAi(c, OpenAiCompletionRequestSchema, deps.bodyLimit);
    const request = toGenerateRequest(body);
    const abort = requestAbort(c.req.raw);
    const result = await generateChunks(deps, request, abort);
    const id = `cmpl-${Math.floor(Math.random() * 999)}`;
    const created = unix();
    const source = Symbol.asyncIterator in result ? result : (async function* () {
      yield result;
    })();
    if (!body.stream) return c.json(toCompletion(await collectGenerate(source), id, created));
    const includeUsage = body.stream_options?.include_usage ?? false;
    return await sseResponse(toCompletionChunks(source, { id, created, model: body.model, includeUsage }), { abort });
  }));

  app.post("/v1/embeddings", openAi(async (c) => {
    const body = await readOpenAi(c, OpenAiEmbeddingRequestSchema, deps.bodyLimit);
    const encoding = body.encoding_format ?? "float";
    if (encoding !== "float" && encoding !== "base64") {
      throw new ApiError(400, `invalid encoding format: ${encoding} (must be "float" or "base64")`);
    }
    const inputs = embeddingInputs(body.input);
    const result = await embedInputs(deps, {
      model: body.model,
      inputs,
      keepAlive: body.keep_alive,
      dimensions: body.dimensions ?? undefined,
      normalize: true,
      signal: requestAbort(c.req.raw).signal,
    });
    return c.json(toEmbeddingList(body.model, result.embeddings, result.promptTokens, encoding));
  }));

  app.get("/v1/models", openAi(async (c) => {
    const models = await deps.store.list();
    if (isAnthropicClient(c.req.raw)) return anthropicOr(() => c.json(anthropicModelList(models, c.req.query())));
    return c.json({
      object: "list",
      data: models.map((m) => ({
        id: m.name,
        object: "model",
        created: Math.floor(Date.parse(m.modified_at) / 1000),
        owned_by: ownedBy(m.name),
      })),
    });
  }));

  app.get("/v1/models/:model{.+}", openAi(async (c) => {
    const name = c.req.param("model") ?? "";
    const models = await deps.store.list();
    const wanted = tryParseModelName(name);
    const found = models.find((m) => {
      const have = tryParseModelName(m.name);
      return m.name === name || (have && wanted && have.host === wanted.host && have.namespace === wanted.namespace &&
        have.model.toLowerCase() === wanted.model.toLowerCase() && have.tag.toLowerCase() === wanted.tag.toLowerCase());
    });
    if (isAnthropicClient(c.req.raw)) {
      return anthropicOr(() => {
        if (!found) throw new ApiError(404, `model "${name}" not found`);
        return c.json(anthropicModel(found, name));
      });
    }
    if (!found) throw new ApiError(404, `model "${name}" not found`);
    return c.json({
      id: name,
      object: "model",
      created: Math.floor(Date.parse(found.modified_at) / 1000),
      owned_by: ownedBy(found.name),
    });
  }));
}
