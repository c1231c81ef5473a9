/**
 * `POST /api/chat`: messages rendered with the model's template, tools and tool calls, thinking, `format`,
 * `keep_alive` (no messages: load or unload); NDJSON by default. `chatChunks` is shared with the OpenAI, Anthropic
 * and Responses routes, which add `tool_choice` (a forced call through the grammar of the model's chat format).
 * @module
 */
import type { Hono } from "hono";
import type { AppDeps, ServerRunner } from "../deps.ts";
import { readJson } from "../body.ts";
import { type ChatRequest, ChatRequestSchema, type ChatResponse, type Message } from "../schemas.ts";
import { ApiError, doesNotSupport, doesNotSupportTools, modelRequired } from "../errors.ts";
import { resolveOptions } from "../options.ts";
import {
  finalChunkFields,
  type GenerationPlan,
  loadOnly,
  renderOnly,
  runGeneration,
  TOOL_CALL_DELTAS,
  unloadModel,
} from "../generation.ts";
import { ndjsonResponse } from "../stream.ts";
import {
  canComplete,
  checkThink,
  checkTopLogprobs,
  effectiveThink,
  formatGrammar,
  keepAliveMs,
} from "../request_fields.ts";
import { requestAbort } from "./_progress.ts";
import { checkVision, resolveModel } from "./generate.ts";
import { rfc3339 } from "../time.ts";
import { decodeImages } from "../../prompt/mod.ts";

/** OpenAI's tool_choice, mapped: `none` drops the tools, `required`/a name forces a call. */
export type ToolChoice = "none" | "auto" | "required" | { name: string };

/**
 * OpenAI's `tool_choice` value (`"none"`, `"auto"`, `"required"`, `{type: "function", function: {name}}`), which
 * /v1/chat/completions and, as a tollama addition, /api/chat take.
 */
export function toolChoiceOf(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === "none" || value === "auto" || value === "required") return value;
  const name = (value as { function?: { name?: unknown } })?.function?.name;
  if (typeof name === "string") return { name };
  throw new ApiError(400, "invalid tool_choice");
}

/** What the compatibility routes add to a chat request. */
export interface ChatExtras {
  toolChoice?: ToolChoice;
  /** Sees the rendered prompt with the runner that will run it (Anthropic counts its tokens for usage and count_tokens). */
  onPrompt?: (text: string, runner: ServerRunner) => void | Promise<void>;
  /** A forced call may be several calls (the request allows parallel calls); else exactly one. */
  parallelToolCalls?: boolean;
  /** Tool-call arguments as they are generated, on the chunks' TOOL_CALL_DELTAS key (the OpenAI and Anthropic routes). */
  streamToolArguments?: boolean;
  /** Thinking tokens allowed before the model's thinking is closed (Anthropic's `budget_tokens`). */
  thinkingBudget?: number;
}

/** Folds a stream of chat chunks into the single `stream:false` answer. */
export async function collectChat(source: AsyncIterable<ChatResponse>): Promise<ChatResponse> {
  let out: ChatResponse | undefined;
  let content = "";
  let thinking = "";
  const toolCalls: NonNullable<ChatResponse["message"]["tool_calls"]> = [];
  const logprobs: NonNullable<ChatResponse["logprobs"]> = [];
  for await (const chunk of source) {
    content += chunk.message.content;
    thinking += chunk.message.thinking ?? "";
    toolCalls.push(...chunk.message.tool_calls ?? []);
    logprobs.push(...chunk.logprobs ?? []);
    out = chunk;
  }
  if (!out) throw new ApiError(500, "no response from the model");
  const message: ChatResponse["message"] = { role: "assistant", content };
  if (thinking) message.thinking = thinking;
  if (toolCalls.length) message.tool_calls = toolCalls;
  const result: ChatResponse = { ...out, message };
  if (logprobs.length) result.logprobs = logprobs;
  return result;
}

/** Runs a validated chat request as a stream of Ollama chunks, or the single load/unload answer. */
export async function chatChunks(
  deps: AppDeps,
  body: ChatRequest,
  abort: AbortController,
  extra: ChatExtras = {},
): Promise<AsyncIterable<ChatResponse> | ChatResponse> {
  const startedAt = (deps.now ?? Date.now)();
  const name = body.model;
  if (!name) throw modelRequired();
  const think = checkThink(body.think);
  const topLogprobs = checkTopLogprobs(body.top_logprobs);
  let grammar: string | undefined | ((runner: ServerRunner) => string | undefined) = formatGrammar(body.format);
  const model = await resolveModel(deps, name);
  if (!canComplete(model.capabilities)) throw doesNotSupport(name, "chat");
  let tools = body.tools?.length ? body.tools : undefined;
  if (extra.toolChoice === "none") tools = undefined;
  if (tools && !model.capabilities.includes("tools")) throw doesNotSupportTools(model.fullName);
  const thinkValue = effectiveThink(think, name, model.capabilities);
  const options = resolveOptions([model.params, body.options], {
    contextLength: deps.contextLength?.(),
    trainedContext: model.details.context_length,
  });
  const keepAlive = keepAliveMs(body.keep_alive, deps);
  const messages = body.messages ?? [];
  const imageCount = messages.reduce((n, m) => n + (m.images?.length ?? 0), 0);
  if (imageCount > 0) checkVision(model);
  const base = { model: name, created_at: rfc3339(), message: { role: "assistant" as const, content: "" }, done: true };
  if (messages.length === 0) {
    if (keepAlive === 0) {
      await unloadModel(deps, model, options);
      return { ...base, done_reason: "unload" };
    }
    await loadOnly(deps, { model, options, keepAliveMs: keepAlive, signal: abort.signal, startedAt });
    return { ...base, done_reason: "load" };
  }
  let renderedPrompt: string | undefined;
  const thinks = thinkValue !== undefined && thinkValue !== false;
  const plain = grammar;
  if (typeof plain === "string" && deps.prompt.responseGrammar) {
    const place = deps.prompt.responseGrammar.bind(deps.prompt);
    // the JSON where the format answers: after the thinking (not cut off by the grammar), harmony's final channel
    grammar = (runner: ServerRunner) =>
      place({ model, chatTemplate: runner.chatTemplate, grammar: plain, think: thinks, prompt: renderedPrompt });
  }
  const choice = extra.toolChoice;
  if (tools && (choice === "required" || typeof choice === "object")) {
    const forced = typeof choice === "object" ? tools.filter((t) => t.function.name === choice.name) : tools;
    if (forced.length === 0) throw new ApiError(400, `tool_choice names an unknown function "${(choice as { name: string }).name}"`);
    if (!deps.prompt.toolGrammar) throw new ApiError(500, "this server cannot force a tool call");
    const toolGrammar = deps.prompt.toolGrammar.bind(deps.prompt);
    // in the model's own call syntax, read once the prompt is rendered (a prompt that opens thinking closes it first)
    grammar = (runner: ServerRunner) =>
      toolGrammar({
        model,
        chatTemplate: runner.chatTemplate,
        tools: forced,
        parallel: extra.parallelToolCalls === true,
        think: thinks,
        prompt: renderedPrompt,
      });
  }
  const all: Message[] = [...model.messages, ...messages];
  if (model.system && messages[0]?.role !== "system") all.unshift({ role: "system", content: model.system });
  const plan: GenerationPlan = {
    model,
    options,
    keepAliveMs: keepAlive,
    signal: abort.signal,
    grammar,
    startedAt,
    logprobs: body.logprobs ?? false,
    topLogprobs,
    shift: body.shift ?? undefined,
    truncate: body.truncate ?? undefined,
    stream: body.stream !== false,
    thinkingBudget: (rendered, runner) => {
      if (extra.thinkingBudget === undefined || !thinks) return undefined;
      const tags = deps.prompt.thinkingTags?.({ model, chatTemplate: runner.chatTemplate, think: true, prompt: rendered });
      return tags && { ...tags, tokens: extra.thinkingBudget };
    },
    parser: (rendered, runner) =>
      deps.prompt.parser({
        model,
        chatTemplate: runner.chatTemplate,
        tools,
        think: thinkValue !== undefined && thinkValue !== false,
        prompt: rendered,
      }),
    prompt: async (runner) => {
      let images: string[] = [];
      const text = await deps.prompt.render({
        model,
        chatTemplate: runner.chatTemplate,
        messages: all,
        tools,
        think: thinkValue,
        truncate: body.truncate === false ? undefined : {
          numCtx: Math.min(options.num_ctx, runner.contextLength),
          countTokens: async (t) => (await runner.tokenize(t)).length,
        },
        // a model with a projector sees its images at their `[img-N]` tags
        ...(imageCount > 0 || model.messages.some((m) => m.images?.length) ? { images: (list: string[]) => (images = list) } : {}),
      });
      renderedPrompt = text;
      await extra.onPrompt?.(text, runner);
      return images.length ? { text, images: decodeImages(images) } : { text };
    },
  };
  if (body._debug_render_only) {
    return { ...base, done: false, _debug_info: await renderOnly(deps, plan, imageCount) };
  }
  const events = runGeneration(deps, plan);
  return (async function* () {
    for await (const event of events) {
      const deltas = extra.streamToolArguments ? event.toolCallDeltas ?? [] : [];
      // Ollama's chunks carry whole calls: a step that only grew a call's arguments says nothing there
      const said = event.content || event.thinking || event.toolCalls.length || event.logprobs?.length || event.done;
      if (!said && deltas.length === 0) continue;
      const chunk: ChatResponse = {
        model: name,
        created_at: rfc3339(),
        message: { role: "assistant", content: event.content },
        done: event.done,
      };
      if (event.thinking) chunk.message.thinking = event.thinking;
      if (event.toolCalls.length) chunk.message.tool_calls = event.toolCalls;
      if (event.logprobs?.length) chunk.logprobs = event.logprobs;
      if (deltas.length) (chunk as ChatResponse & { [TOOL_CALL_DELTAS]?: unknown })[TOOL_CALL_DELTAS] = deltas;
      if (event.done) Object.assign(chunk, finalChunkFields(event));
      yield chunk;
    }
  })();
}

export function registerChatRoutes(app: Hono, deps: AppDeps): void {
  app.post("/api/chat", async (c) => {
    const body = await readJson(c.req.raw, ChatRequestSchema, "ChatRequest", deps.bodyLimit);
    const abort = requestAbort(c.req.raw);
    // tool_choice is a tollama addition to Ollama's request (Ollama's /api/chat has none): a forced call comes back
    // whole, as Ollama's calls do
    const result = await chatChunks(deps, body, abort, { toolChoice: toolChoiceOf(body.tool_choice) });
    if (!(Symbol.asyncIterator in result)) return c.json(result);
    if (body.stream === false) return c.json(await collectChat(result));
    return await ndjsonResponse(result, { abort });
  });
}
