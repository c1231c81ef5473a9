/**
 * `/v1/completions` ↔ `/api/generate`: request mapping (`prompt` string only, `suffix`, `max_tokens`, `stop`,
 * `logprobs` as a count), the `text_completion` answer and its stream chunks.
 * @module
 */
import * as v from "valibot";
import { ApiError } from "../../errors.ts";
import type { GenerateRequest, GenerateResponse } from "../../schemas.ts";
import { finishReason, usageOf } from "./chat_mapping.ts";

export const OpenAiCompletionRequestSchema = v.looseObject({
  model: v.optional(v.string(), ""),
  prompt: v.nullish(v.unknown()),
  suffix: v.nullish(v.string()),
  stream: v.nullish(v.boolean()),
  stream_options: v.nullish(v.looseObject({ include_usage: v.nullish(v.boolean()) })),
  max_tokens: v.nullish(v.number()),
  seed: v.nullish(v.number()),
  stop: v.nullish(v.union([v.string(), v.array(v.string())])),
  temperature: v.nullish(v.number()),
  top_p: v.nullish(v.number()),
  frequency_penalty: v.nullish(v.number()),
  presence_penalty: v.nullish(v.number()),
  logprobs: v.nullish(v.number()),
  keep_alive: v.nullish(v.union([v.number(), v.string()])),
});

export type OpenAiCompletionRequest = v.InferOutput<typeof OpenAiCompletionRequestSchema>;

/** The native generate request for an OpenAI completion request. */
export function toGenerateRequest(body: OpenAiCompletionRequest): GenerateRequest {
  if (typeof body.prompt !== "string") throw new ApiError(400, "invalid type for 'prompt' field");
  const options: Record<string, unknown> = {};
  if (body.max_tokens != null) options.num_predict = body.max_tokens;
  if (body.seed != null) options.seed = body.seed;
  if (body.stop != null) options.stop = typeof body.stop === "string" ? [body.stop] : body.stop;
  if (body.temperature != null) options.temperature = body.temperature;
  if (body.top_p != null && body.top_p !== 0) options.top_p = body.top_p;
  if (body.frequency_penalty != null) options.frequency_penalty = body.frequency_penalty;
  if (body.presence_penalty != null) options.presence_penalty = body.presence_penalty;
  return {
    model: body.model,
    prompt: body.prompt,
    suffix: body.suffix,
    stream: body.stream ?? false,
    options,
    keep_alive: body.keep_alive,
    logprobs: body.logprobs != null && body.logprobs > 0 ? true : undefined,
    top_logprobs: body.logprobs ?? undefined,
    format: undefined,
    think: undefined,
    truncate: undefined,
    shift: undefined,
    _debug_render_only: undefined,
    system: undefined,
    template: undefined,
    context: undefined,
    raw: undefined,
    images: undefined,
  };
}

/**
 * The legacy `logprobs` object; `text_offset` is each token's position in the whole completion text, counted
 * from `offset` (the text streamed before this chunk).
 */
function logprobsOf(response: GenerateResponse, offset = 0) {
  if (!response.logprobs?.length) return null;
  const textOffset: number[] = [];
  for (const lp of response.logprobs) {
    textOffset.push(offset);
    offset += lp.token.length;
  }
  return {
    tokens: response.logprobs.map((lp) => lp.token),
    token_logprobs: response.logprobs.map((lp) => lp.logprob),
    top_logprobs: response.logprobs.map((lp) => Object.fromEntries((lp.top_logprobs ?? []).map((t) => [t.token, t.logprob]))),
    text_offset: textOffset,
  };
}

/** The `text_completion` object for a collected native answer. */
export function toCompletion(response: GenerateResponse, id: string, created: number) {
  return {
    id,
    object: "text_completion",
    created,
    model: response.model,
    system_fingerprint: "fp_ollama",
    choices: [{
      text: response.response,
      index: 0,
      logprobs: logprobsOf(response),
      finish_reason: finishReason(response.done_reason, false),
    }],
    usage: usageOf(response),
  };
}

/** Maps a native generate stream to `text_completion` chunks. */
export async function* toCompletionChunks(
  source: AsyncIterable<GenerateResponse>,
  meta: { id: string; created: number; model: string; includeUsage: boolean },
): AsyncGenerator<Record<string, unknown>> {
  const base = { id: meta.id, object: "text_completion", created: meta.created, model: meta.model, system_fingerprint: "fp_ollama" };
  let offset = 0;
  for await (const native of source) {
    const logprobs = logprobsOf(native, offset);
    offset += native.logprobs?.reduce((n, lp) => n + lp.token.length, 0) ?? 0;
    yield {
      ...base,
      choices: [{
        text: native.response,
        index: 0,
        logprobs,
        finish_reason: native.done ? finishReason(native.done_reason, false) : null,
      }],
    };
    if (native.done && meta.includeUsage) yield { ...base, choices: [], usage: usageOf(native) };
  }
}
