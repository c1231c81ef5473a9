/**
 * Anthropic's Messages API: `POST /v1/messages` (answer or SSE stream) and `POST /v1/messages/count_tokens`. Both
 * map the request onto the internal chat request (`toChatRequest`) and run it through the same chat core as
 * /api/chat and /v1/chat/completions (prompt rendering, forced tool calls by grammar, output parsing); only the
 * wire shapes are Anthropic's. `x-api-key`, `authorization`, `anthropic-version` and `anthropic-beta` are accepted
 * and not checked.
 * @module
 */
import type { Context, Hono } from "hono";
import * as v from "valibot";
import type { AppDeps } from "../../deps.ts";
import { checkNesting, readJsonValue } from "../../body.ts";
import { ApiError } from "../../errors.ts";
import { promptTokenCount, promptTokensRead } from "../../generation.ts";
import { eventStreamResponse } from "../../stream.ts";
import { chatChunks, collectChat } from "../chat.ts";
import { requestAbort } from "../_progress.ts";
import { anthropicErrorBody, anthropicErrorResponse } from "./errors.ts";
import { CountTokensRequestSchema, MessagesRequestSchema } from "./schemas.ts";
import { toChatRequest, toCountRequest } from "./to_chat_request.ts";
import { anthropicId, type FinalChunk, toMessage } from "./message_response.ts";
import { toMessageEvents } from "./message_events.ts";

/** The body validated, or a 400 naming the field as Anthropic does (`max_tokens: Field required`). */
async function readAnthropic<S extends v.GenericSchema>(c: Context, schema: S, limit?: number): Promise<v.InferOutput<S>> {
  const value = await readJsonValue(c.req.raw, limit);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError(400, "request body must be a JSON object");
  }
  const result = v.safeParse(schema, value);
  if (result.success) {
    checkNesting(result.output);
    return result.output;
  }
  const { path, issue } = describe(result.issues[0]);
  const message = issue.input === undefined ? "Field required" : issue.message;
  throw new ApiError(400, path ? `${path}: ${message}` : message);
}

/**
 * The issue to report and its dotted path. A union's own issue says only "Expected (string | Array)", so the
 * alternative that got furthest is followed (its issues' paths are relative to the union's value).
 */
function describe(issue: v.GenericIssue): { path: string; issue: v.GenericIssue } {
  const keys = (i: v.GenericIssue) => (i.path ?? []).map((p) => String(p.key));
  const path = keys(issue);
  while (issue.issues?.length) {
    issue = issue.issues.reduce((a, b) => ((b.path?.length ?? 0) > (a.path?.length ?? 0) ? b : a));
    path.push(...keys(issue));
  }
  return { path: path.join("."), issue };
}

/** Anthropic's bounds on an extended-thinking budget: at least 1024 tokens, and below `max_tokens`. */
function checkThinkingBudget(body: { thinking?: { type: string; budget_tokens?: number } | null; max_tokens: number }): void {
  if (body.thinking?.type !== "enabled") return;
  const budget = body.thinking.budget_tokens ?? 0;
  if (budget < 1024) throw new ApiError(400, "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");
  if (budget >= body.max_tokens) throw new ApiError(400, "`max_tokens` must be greater than `thinking.budget_tokens`");
}

function anthropic(handler: (c: Context) => Promise<Response>) {
  return async (c: Context) => {
    try {
      return await handler(c);
    } catch (error) {
      return anthropicErrorResponse(error);
    }
  };
}

/** Registers `/v1/messages` and `/v1/messages/count_tokens`. */
export function registerAnthropicRoutes(app: Hono, deps: AppDeps): void {
  app.post("/v1/messages", anthropic(async (c) => {
    const body = await readAnthropic(c, MessagesRequestSchema, deps.bodyLimit);
    checkThinkingBudget(body);
    const { request, toolChoice, oneToolCall } = toChatRequest(body);
    const abort = requestAbort(c.req.raw);
    const counted = Promise.withResolvers<number>();
    const result = await chatChunks(deps, request, abort, {
      toolChoice,
      // a forced call is one call unless the request says parallel ones are welcome (as llama.cpp's default)
      parallelToolCalls: body.tool_choice?.disable_parallel_tool_use === false,
      streamToolArguments: body.stream === true,
      // the model's thinking is closed once it holds budget_tokens tokens, and the answer follows
      ...(body.thinking?.type === "enabled" ? { thinkingBudget: body.thinking.budget_tokens } : {}),
      // message_start reports the prompt's size; the final chunk's counts come from the engine
      onPrompt: body.stream ? async (text, runner) => counted.resolve(await promptTokensRead(runner, text)) : undefined,
    });
    if (!(Symbol.asyncIterator in result)) throw new ApiError(500, "no response from the model");
    const meta = {
      id: anthropicId("msg_"),
      model: body.model,
      maxTokens: body.max_tokens,
      stopSequences: body.stop_sequences ?? undefined,
      oneToolCall,
    };
    if (!body.stream) return c.json(toMessage(await collectChat(result) as FinalChunk, meta));
    return await eventStreamResponse(toMessageEvents(result, { ...meta, promptReady: counted.promise }), {
      abort,
      errorBody: anthropicErrorBody,
      errorResponse: anthropicErrorResponse,
    });
  }));

  app.post("/v1/messages/count_tokens", anthropic(async (c) => {
    const body = await readAnthropic(c, CountTokensRequestSchema, deps.bodyLimit);
    const { request, toolChoice } = toCountRequest(body);
    let inputTokens: number | undefined;
    // rendered exactly as /v1/messages renders it (same template, tools, thinking, truncation), then tokenized
    await chatChunks(deps, { ...request, _debug_render_only: true }, requestAbort(c.req.raw), {
      toolChoice,
      onPrompt: async (text, runner) => {
        inputTokens = await promptTokenCount(runner, text);
      },
    });
    if (inputTokens === undefined) throw new ApiError(500, "the prompt was not rendered");
    return c.json({ input_tokens: inputTokens });
  }));
}
