/**
 * `POST /api/generate`: completion from a prompt, with `system`, `template`, `raw`, `context`, `suffix`, `format`,
 * `think`, `keep_alive` (empty prompt: load or unload), `options`, `logprobs`; NDJSON by default.
 * @module
 */
import type { Hono } from "hono";
import type { AppDeps, ResolvedModel } from "../deps.ts";
import { readJson } from "../body.ts";
import { type GenerateRequest, GenerateRequestSchema, type GenerateResponse, type Message } from "../schemas.ts";
import { ApiError, doesNotSupport, modelNotFound, rawModeConflict, requestTemplateError } from "../errors.ts";
import { resolveOptions } from "../options.ts";
import { finalChunkFields, type GenerationPlan, loadOnly, renderOnly, runGeneration, unloadModel } from "../generation.ts";
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
import { rfc3339 } from "../time.ts";
import { decodeImages } from "../../prompt/mod.ts";

/** Resolves a model for generation, mapping "not there" to Ollama's 404 for these routes. */
/** Images go only to a model with a vision projector (Ollama passes them on and fails late; this says why at once). */
export function checkVision(model: ResolvedModel): void {
  if (!model.capabilities.includes("vision")) {
    throw new ApiError(400, `${model.fullName} does not support images: it has no vision projector`);
  }
}

export async function resolveModel(deps: AppDeps, name: string): Promise<ResolvedModel> {
  try {
    return await deps.store.resolve(name);
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 404 || (error as Error).name === "ModelNotFoundError") throw modelNotFound(name);
    throw error;
  }
}

/** Folds a stream of generate chunks into the single `stream:false` answer. */
export async function collectGenerate(source: AsyncIterable<GenerateResponse>): Promise<GenerateResponse> {
  let out: GenerateResponse | undefined;
  let response = "";
  let thinking = "";
  const toolCalls: NonNullable<GenerateResponse["tool_calls"]> = [];
  const logprobs: NonNullable<GenerateResponse["logprobs"]> = [];
  for await (const chunk of source) {
    response += chunk.response;
    thinking += chunk.thinking ?? "";
    toolCalls.push(...chunk.tool_calls ?? []);
    logprobs.push(...chunk.logprobs ?? []);
    out = chunk;
  }
  if (!out) throw new ApiError(500, "no response from the model");
  const result: GenerateResponse = { ...out, response };
  if (thinking) result.thinking = thinking;
  if (toolCalls.length) result.tool_calls = toolCalls;
  if (logprobs.length) result.logprobs = logprobs;
  return result;
}

/** Runs a validated generate request as a stream of Ollama chunks (shared with /v1/completions). */
export async function generateChunks(
  deps: AppDeps,
  body: GenerateRequest,
  abort: AbortController,
): Promise<AsyncIterable<GenerateResponse> | GenerateResponse> {
  const startedAt = (deps.now ?? Date.now)();
  const name = body.model;
  if (!name) throw modelNotFound("");
  if (body.raw && (body.template || body.system || body.context?.length)) throw rawModeConflict();
  const think = checkThink(body.think);
  const topLogprobs = checkTopLogprobs(body.top_logprobs);
  const grammar = formatGrammar(body.format);
  const model = await resolveModel(deps, name);
  const options = resolveOptions([model.params, body.options], {
    contextLength: deps.contextLength?.(),
    trainedContext: model.details.context_length,
  });
  const keepAlive = keepAliveMs(body.keep_alive, deps);
  const base = { model: name, created_at: rfc3339(), response: "", done: true };
  const emptyPrompt = !body.prompt && !body.images?.length;
  // An unload request (`tollama stop`) works for every model, embedding-only ones included, as in Ollama.
  if (emptyPrompt && keepAlive === 0) {
    await unloadModel(deps, model, options);
    return { ...base, done_reason: "unload" };
  }
  if (!canComplete(model.capabilities)) throw doesNotSupport(name, "generate");
  if (body.suffix && !model.capabilities.includes("insert")) {
    throw new ApiError(400, `${model.fullName} does not support insert`);
  }
  const thinkValue = effectiveThink(think, name, model.capabilities);
  if (emptyPrompt) {
    await loadOnly(deps, { model, options, keepAliveMs: keepAlive, signal: abort.signal, startedAt });
    return { ...base, done_reason: "load" };
  }
  const prompt = body.prompt ?? "";
  if (body.images?.length) checkVision(model);
  const render = async (input: Parameters<typeof deps.prompt.render>[0]) => {
    try {
      return await deps.prompt.render(input);
    } catch (error) {
      throw body.template ? requestTemplateError(error) : error;
    }
  };
  const plan: GenerationPlan = {
    model,
    options,
    keepAliveMs: keepAlive,
    signal: abort.signal,
    grammar,
    startedAt,
    wantContext: !body.raw,
    logprobs: body.logprobs ?? false,
    topLogprobs,
    shift: body.shift ?? undefined,
    truncate: body.truncate ?? undefined,
    stream: body.stream !== false,
    parser: body.raw ? undefined : (rendered, runner) =>
      deps.prompt.parser({
        model,
        chatTemplate: runner.chatTemplate,
        think: thinkValue !== undefined && thinkValue !== false,
        prompt: rendered,
      }),
    prompt: async (runner) => {
      let text: string;
      // raw and fill-in-the-middle prompts take the images as sent (`[img-N]` places one, the rest go first)
      let images = body.images ?? [];
      if (body.raw) text = prompt;
      else if (body.suffix) {
        text = await render({
          model,
          template: body.template ?? undefined,
          chatTemplate: runner.chatTemplate,
          messages: [],
          think: thinkValue,
          suffix: { prompt, suffix: body.suffix },
        });
      } else {
        const messages: Message[] = [];
        const system = body.system ?? model.system;
        if (system) messages.push({ role: "system", content: system });
        if (!body.context?.length) messages.push(...model.messages);
        messages.push({ role: "user", content: prompt, images: body.images ?? undefined });
        text = await render({
          model,
          template: body.template ?? undefined,
          chatTemplate: runner.chatTemplate,
          messages,
          think: thinkValue,
          truncate: body.truncate === false ? undefined : {
            numCtx: Math.min(options.num_ctx, runner.contextLength),
            countTokens: async (t) => (await runner.tokenize(t)).length,
          },
          ...(images.length ? { images: (list: string[]) => (images = list) } : {}),
        });
      }
      // The previous exchange's tokens come first, as they were (Ollama detokenizes and re-tokenizes them).
      // with images the prompt must stay text (they are placed in it): the previous exchange goes in as its text,
      // as Ollama does with every `context`
      if (body.context?.length && images.length) {
        return { text: await runner.detokenize(body.context) + text, images: decodeImages(images) };
      }
      if (body.context?.length) {
        const bad = body.context.find((t) => !Number.isInteger(t) || t < 0 || t >= (runner.vocabSize ?? 2 ** 31));
        if (bad !== undefined) throw new ApiError(400, `invalid context: token id ${bad} is not in the vocabulary`);
        return { text, tokens: [...body.context, ...await runner.tokenize(text)] };
      }
      return images.length ? { text, images: decodeImages(images) } : { text };
    },
  };
  if (body._debug_render_only) {
    return { ...base, done: false, _debug_info: await renderOnly(deps, plan, body.images?.length ?? 0) };
  }
  const events = runGeneration(deps, plan);
  return (async function* () {
    for await (const event of events) {
      const chunk: GenerateResponse = {
        model: name,
        created_at: rfc3339(),
        response: event.content,
        done: event.done,
      };
      if (event.thinking) chunk.thinking = event.thinking;
      if (event.toolCalls.length) chunk.tool_calls = event.toolCalls;
      if (event.logprobs?.length) chunk.logprobs = event.logprobs;
      if (event.done) Object.assign(chunk, finalChunkFields(event, event.context ? { context: event.context } : {}));
      yield chunk;
    }
  })();
}

export function registerGenerateRoutes(app: Hono, deps: AppDeps): void {
  app.post("/api/generate", async (c) => {
    const body = await readJson(c.req.raw, GenerateRequestSchema, "GenerateRequest", deps.bodyLimit);
    const abort = requestAbort(c.req.raw);
    const result = await generateChunks(deps, body, abort);
    if (!(Symbol.asyncIterator in result)) return c.json(result);
    if (body.stream === false) return c.json(await collectGenerate(result));
    return await ndjsonResponse(result, { abort });
  });
}
