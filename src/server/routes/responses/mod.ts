/**
 * OpenAI's Responses API: `POST /v1/responses` (answer or SSE stream), `GET /v1/responses/{id}` and
 * `DELETE /v1/responses/{id}`. A request maps onto the internal chat request (`toChatRequest`) and runs through the
 * same chat core as /api/chat, /v1/chat/completions and /v1/messages (prompt rendering, forced tool calls by grammar,
 * output parsing); only the wire shapes are OpenAI's. Responses are kept (`store`, default true) in a bounded
 * in-memory store, so `previous_response_id` continues a conversation without sending it again.
 * @module
 */
import type { Context, Hono } from "hono";
import * as v from "valibot";
import type { AppDeps, ServerRunner } from "../../deps.ts";
import { checkNesting, readJsonValue } from "../../body.ts";
import { ApiError } from "../../errors.ts";
import { eventStreamResponse } from "../../stream.ts";
import { config } from "../../../config.ts";
import { log } from "../../../log.ts";
import { chatChunks, collectChat } from "../chat.ts";
import { requestAbort } from "../_progress.ts";
import { resolveModel } from "../generate.ts";
import {
  invalidParam,
  previousResponseNotFound,
  ResponsesError,
  responseNotFound,
  responsesErrorEvent,
  responsesErrorResponse,
} from "./errors.ts";
import { type ResponsesRequest, ResponsesRequestSchema } from "./schemas.ts";
import { toChatRequest } from "./to_chat_request.ts";
import {
  assistantTurn,
  type FinalChunk,
  outputItems,
  responseObject,
  type ResponseObject,
  responsesId,
  statusOf,
  usageOf,
} from "./response_object.ts";
import { toResponseEvents } from "./response_events.ts";
import { ResponseStore, type ResponseStoreLimits } from "./response_store.ts";
import type { Message } from "../../schemas.ts";

/** The body validated, or a 400 naming the field as OpenAI does (`param`, `invalid_value`/`missing_required_parameter`). */
async function readResponses(c: Context, limit?: number): Promise<ResponsesRequest> {
  const value = await readJsonValue(c.req.raw, limit);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidParam("body", "request body must be a JSON object");
  }
  const result = v.safeParse(ResponsesRequestSchema, value);
  if (result.success) {
    checkNesting(result.output);
    return result.output;
  }
  const issue = result.issues[0];
  const param = (issue.path ?? []).map((p) => String(p.key)).join(".");
  if (issue.input === undefined) {
    throw new ResponsesError(400, `Missing required parameter: '${param}'.`, { param, code: "missing_required_parameter" });
  }
  throw new ResponsesError(400, `Invalid value for '${param}': ${issue.message}`, { param, code: "invalid_value" });
}

function responses(handler: (c: Context) => Promise<Response>) {
  return async (c: Context) => {
    try {
      return await handler(c);
    } catch (error) {
      return responsesErrorResponse(error);
    }
  };
}

/** The thinking's length in tokens (0 when the runner can no longer say). */
async function countTokens(runner: ServerRunner | undefined, text: string): Promise<number> {
  if (!runner || !text) return 0;
  try {
    return (await runner.tokenize(text, { addSpecial: false })).length;
  } catch {
    return 0;
  }
}

/** Registers `POST /v1/responses`, `GET /v1/responses/{id}` and `DELETE /v1/responses/{id}`. */
export function registerResponsesRoutes(app: Hono, deps: AppDeps, limits?: ResponseStoreLimits): void {
  const store = new ResponseStore(limits ?? {
    maxCount: config.responsesMax,
    maxBytes: config.responsesMaxBytes,
    ttlMs: config.responsesTtlMs,
    now: deps.now,
  });
  const keep = (body: ResponsesRequest, conversation: Message[], response: ResponseObject) => {
    if (body.store === false) return;
    store.put({ response, messages: [...conversation, assistantTurn(response.output as Array<Record<string, unknown>>)] });
  };

  app.post("/v1/responses", responses(async (c) => {
    const body = await readResponses(c, deps.bodyLimit);
    let history: Message[] = [];
    if (body.previous_response_id) {
      const previous = store.get(body.previous_response_id);
      if (!previous) throw previousResponseNotFound(body.previous_response_id);
      history = previous.messages;
    }
    const { request, toolChoice, oneToolCall, conversation, skippedTools } = toChatRequest(body, history);
    if (skippedTools.length) log.warn("responses: tools left out (only function tools reach the model)", { types: skippedTools.join(",") });
    // an effort asked of a model that cannot think is left out, not refused: agents send it to every model
    if (request.think !== undefined && request.think !== false && request.model) {
      const model = await resolveModel(deps, request.model);
      if (!model.capabilities.includes("thinking")) request.think = undefined;
    }
    const abort = requestAbort(c.req.raw);
    const rendered = Promise.withResolvers<ServerRunner>();
    let runner: ServerRunner | undefined;
    const result = await chatChunks(deps, request, abort, {
      toolChoice,
      // a forced call is one call unless the request asks for parallel ones (llama.cpp's default)
      parallelToolCalls: body.parallel_tool_calls === true,
      streamToolArguments: body.stream === true,
      onPrompt: (_text, r) => rendered.resolve(runner = r),
    });
    if (!(Symbol.asyncIterator in result)) throw new ApiError(500, "no response from the model");
    rendered.promise.catch(() => {});
    const meta = { id: responsesId("resp_"), createdAt: Math.floor(Date.now() / 1000), body };
    if (!body.stream) {
      const final = await collectChat(result) as FinalChunk;
      const calls = Math.min(final.message.tool_calls?.length ?? 0, oneToolCall ? 1 : Infinity);
      const status = statusOf(final, calls);
      const output = outputItems(final, oneToolCall, status.status === "incomplete");
      const usage = usageOf(final, await countTokens(runner, final.message.thinking ?? ""));
      const response = responseObject(meta, { ...status, output, usage });
      keep(body, conversation, response);
      return c.json(response);
    }
    const sequence = { next: 0 };
    const events = toResponseEvents(result, {
      ...meta,
      oneToolCall,
      promptReady: rendered.promise,
      countTokens: async (text) => countTokens(await rendered.promise, text),
      sequence,
      onDone: (response) => keep(body, conversation, response),
    });
    return await eventStreamResponse(events, {
      abort,
      errorBody: (error) => responsesErrorEvent(error, sequence),
      errorResponse: responsesErrorResponse,
    });
  }));

  app.get("/v1/responses/:id", responses((c) => {
    const id = c.req.param("id") ?? "";
    const stored = store.get(id);
    if (!stored) throw responseNotFound(id);
    return Promise.resolve(c.json(stored.response));
  }));

  app.delete("/v1/responses/:id", responses((c) => {
    const id = c.req.param("id") ?? "";
    if (!store.delete(id)) throw responseNotFound(id);
    return Promise.resolve(c.json({ id, object: "response", deleted: true }));
  }));
}
