/**
 * The shared core of /api/generate, /api/chat and the OpenAI routes: take a runner from the scheduler, build the
 * prompt, stream the engine's output through the model's parser (content / thinking / tool calls), report
 * Ollama's metrics on the final event, and give the runner back with the request's keep-alive — also when the
 * client leaves mid-stream.
 * @module
 */
import { keepCount, type LoadSpec, truncatedPromptLimit } from "../engine/mod.ts";
import type {
  AppDeps,
  GenerationChunk,
  OutputParser,
  ResolvedModel,
  ServerRunner,
  ThinkingBudget,
  ToolCallDelta,
} from "./deps.ts";
import type { Logprob, Metrics, ToolCall } from "./schemas.ts";
import type { Options } from "./options.ts";
import { nanos } from "./time.ts";

/** One step of output as the routes map it to their wire shapes. */
export interface GenerationEvent {
  content: string;
  thinking: string;
  toolCalls: ToolCall[];
  /** Arguments of calls still being written (the whole calls follow in `toolCalls`). */
  toolCallDeltas?: ToolCallDelta[];
  done: boolean;
  doneReason?: string;
  /** Final event: the stop sequence that ended generation (absent when the model ended it). */
  stopSequence?: string;
  metrics?: Metrics;
  /** Prompt and output token ids (final event, when asked for). */
  context?: number[];
  logprobs?: Logprob[];
  /** Final event: the prompt tokens the model read (cached prefix included, a truncated middle not), for usage. */
  promptTokens?: number;
  /** Final event: prompt tokens dropped to fit the context (tollama addition; absent when none). */
  truncated?: number;
}

/**
 * The whole prompt's token count on a final Ollama chunk, for OpenAI's `usage.prompt_tokens`: a symbol key, so
 * the object spreads keep it and JSON (the Ollama wire shape, whose prompt_eval_count counts computed tokens) does not.
 */
export const PROMPT_TOKENS: unique symbol = Symbol("tollama.promptTokens");

/**
 * Tool-call argument deltas on an Ollama chat chunk (the compatibility routes stream them; the Ollama wire shape,
 * whose chunks carry whole calls, does not): a symbol like PROMPT_TOKENS.
 */
export const TOOL_CALL_DELTAS: unique symbol = Symbol("tollama.toolCallDeltas");

/** The tool-call argument deltas a chat chunk carries (none unless the route asked for them). */
export function toolCallDeltasOf(chunk: object): ToolCallDelta[] {
  return (chunk as { [TOOL_CALL_DELTAS]?: ToolCallDelta[] })[TOOL_CALL_DELTAS] ?? [];
}

/** The stop sequence that ended generation, on a final Ollama chunk (Anthropic's `stop_sequence`); a symbol like PROMPT_TOKENS. */
export const STOP_SEQUENCE: unique symbol = Symbol("tollama.stopSequence");

/**
 * The fields a final event adds to an Ollama chunk (generate and chat alike), in Ollama's key order:
 * done_reason, then `extra` (generate's `context`), the metrics, tollama's `truncated`, and the PROMPT_TOKENS key.
 */
export function finalChunkFields(event: GenerationEvent, extra: Record<string, unknown> = {}): Record<string | symbol, unknown> {
  const fields: Record<string | symbol, unknown> = { done_reason: event.doneReason, ...extra, ...event.metrics };
  if (event.truncated) fields.truncated = event.truncated;
  if (event.promptTokens !== undefined) fields[PROMPT_TOKENS] = event.promptTokens;
  if (event.stopSequence !== undefined) fields[STOP_SEQUENCE] = event.stopSequence;
  return fields;
}

/** The prompt to evaluate, built once the runner is known (truncation needs its tokenizer and context size). */
export type PromptBuilder = (runner: ServerRunner) => Promise<{ text?: string; tokens?: number[]; images?: Uint8Array[] }>;

export interface GenerationPlan {
  model: ResolvedModel;
  options: Options;
  keepAliveMs: number;
  signal: AbortSignal;
  prompt: PromptBuilder;
  /** GBNF for the output; a function when it depends on the loaded model (its tool-call tag). */
  grammar?: string | ((runner: ServerRunner) => string | undefined);
  parser?: (prompt: string, runner: ServerRunner) => OutputParser;
  /** Caps the thinking of a reply to the rendered prompt (Anthropic's `budget_tokens`); undefined: no cap. */
  thinkingBudget?: (prompt: string, runner: ServerRunner) => ThinkingBudget | undefined;
  wantContext?: boolean;
  logprobs?: boolean;
  topLogprobs?: number;
  shift?: boolean;
  truncate?: boolean;
  /** false: the client gets the answer whole (`stream: false`), so the engine need not send it token by token. */
  stream?: boolean;
  startedAt: number;
}

/** A rendered prompt's token count as the engine counts a text prompt (special tokens parsed, BOS/EOS as the model wants). */
export async function promptTokenCount(runner: ServerRunner, text: string): Promise<number> {
  return (await runner.tokenize(text, { addSpecial: true })).length;
}

/**
 * The tokens the model will read of a rendered prompt: its count, or, when it fills the context, what the engine's
 * middle cut leaves (Ollama truncates silently; usage then counts the kept tokens, as the final event does).
 */
export async function promptTokensRead(runner: ServerRunner, text: string, numKeep = 4): Promise<number> {
  const count = await promptTokenCount(runner, text);
  const nCtx = runner.contextLength;
  if (count < nCtx) return count;
  const addsBos = (await runner.tokenize("", { addSpecial: true })).length > 0;
  return truncatedPromptLimit(nCtx, keepCount(numKeep, count, addsBos, nCtx));
}

/** The scheduler's view of a model with these options. */
export function loadSpec(model: ResolvedModel, options: Options): LoadSpec {
  return {
    key: [model.modelPath, ...model.adapters].join("\0"),
    name: model.name,
    model: model.name,
    modelPath: model.modelPath,
    options: {
      num_ctx: options.num_ctx,
      num_batch: options.num_batch as number | undefined,
      num_gpu: options.num_gpu as number | undefined,
      main_gpu: options.main_gpu as number | undefined,
      use_mmap: options.use_mmap as boolean | undefined,
      num_thread: options.num_thread as number | undefined,
    },
    adapters: model.adapters,
    projectors: model.projectors,
    extra: {
      digest: model.digest,
      details: model.details,
      embedding: model.capabilities.includes("embedding") && !model.capabilities.includes("completion"),
    },
  };
}

/** Loads the model (an empty prompt): returns the load time in ms. */
export async function loadOnly(deps: AppDeps, plan: Omit<GenerationPlan, "prompt">): Promise<number> {
  const lease = await deps.scheduler.acquire(loadSpec(plan.model, plan.options), { signal: plan.signal });
  lease.release(plan.keepAliveMs);
  return lease.loadMs;
}

/** Unloads the model now (keep_alive 0 with an empty prompt). */
export async function unloadModel(deps: AppDeps, model: ResolvedModel, options: Options): Promise<void> {
  await deps.scheduler.unload(loadSpec(model, options).key);
}

const encoder = new TextEncoder();

function mapLogprobs(chunk: GenerationChunk): Logprob[] | undefined {
  return chunk.logprobs?.map((entry) => ({
    token: entry.token,
    logprob: entry.logprob,
    bytes: entry.bytes ?? [...encoder.encode(entry.token)],
    ...(entry.top
      ? {
        top_logprobs: entry.top.map((top) => ({
          token: top.token,
          logprob: top.logprob,
          bytes: top.bytes ?? [...encoder.encode(top.token)],
        })),
      }
      : {}),
  }));
}

/** Renders the prompt without generating (`_debug_render_only`): Ollama's `_debug_info`. */
export async function renderOnly(
  deps: AppDeps,
  plan: Pick<GenerationPlan, "model" | "options" | "keepAliveMs" | "signal" | "prompt">,
  imageCount: number,
): Promise<{ rendered_template: string; image_count: number }> {
  const lease = await deps.scheduler.acquire(loadSpec(plan.model, plan.options), { signal: plan.signal });
  try {
    const prompt = await plan.prompt(lease.runner);
    const text = prompt.text ?? await lease.runner.detokenize(prompt.tokens ?? []);
    return { rendered_template: text, image_count: imageCount };
  } finally {
    lease.release(plan.keepAliveMs);
  }
}

/** Runs one generation; the caller iterates (and may stop early: the lease is released either way). */
export async function* runGeneration(deps: AppDeps, plan: GenerationPlan): AsyncGenerator<GenerationEvent> {
  const now = deps.now ?? Date.now;
  const lease = await deps.scheduler.acquire(loadSpec(plan.model, plan.options), { signal: plan.signal });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  plan.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const runner = lease.runner;
    const prompt = await plan.prompt(runner);
    const parser = plan.parser?.(prompt.text ?? "", runner);
    const grammar = typeof plan.grammar === "function" ? plan.grammar(runner) : plan.grammar;
    const thinkingBudget = plan.thinkingBudget?.(prompt.text ?? "", runner);
    const promptStart = now();
    const outputTokens: number[] = [];
    let outputText = "";
    let evalStart = NaN;
    let firstOutput = NaN;
    let evalCount = 0;
    const source = runner.generate({
      prompt: prompt.tokens ?? prompt.text ?? "",
      options: plan.options,
      grammar,
      signal: stop.signal,
      logprobs: plan.logprobs,
      topLogprobs: plan.topLogprobs,
      shift: plan.shift,
      truncate: plan.truncate,
      ...(prompt.images?.length ? { images: prompt.images } : {}),
      ...(thinkingBudget ? { thinkingBudget } : {}),
      ...(plan.stream === false ? { stream: false } : {}),
    });
    for await (const chunk of source) {
      if (Number.isNaN(evalStart)) evalStart = now();
      outputText += chunk.text;
      if (Number.isNaN(firstOutput) && (chunk.text || chunk.tokens?.length)) firstOutput = now();
      if (chunk.tokens) {
        outputTokens.push(...chunk.tokens);
        evalCount += chunk.tokens.length;
      } else if (chunk.text) evalCount++;
      const parsed = parser ? parser.add(chunk.text, chunk.done) : { content: chunk.text, thinking: "", toolCalls: [] };
      const event: GenerationEvent = { ...parsed, done: false, logprobs: mapLogprobs(chunk) };
      if (!chunk.done) {
        if (event.content || event.thinking || event.toolCalls.length || event.toolCallDeltas?.length || event.logprobs?.length) {
          yield event;
        }
        continue;
      }
      const end = now();
      const t = chunk.timings;
      // the tokens the model read: a prompt cut to fit the context counts what is left of it, so the part
      // reused from the prefix cache (whole prompt minus computed) does not take in the dropped middle
      const promptTokens = (t?.promptTokens ?? (prompt.tokens?.length ?? 0)) - (chunk.truncated ?? 0);
      event.done = true;
      event.doneReason = chunk.doneReason ?? "stop";
      if (chunk.stopSequence !== undefined) event.stopSequence = chunk.stopSequence;
      event.metrics = {
        total_duration: nanos(end - plan.startedAt),
        load_duration: nanos(lease.loadMs),
        // tokens computed: a prefix reused from the KV cache is not evaluated again (issue 6)
        prompt_eval_count: t?.promptEvalTokens ?? promptTokens,
        prompt_eval_duration: nanos(t?.promptMs ?? ((Number.isNaN(evalStart) ? end : evalStart) - promptStart)),
        eval_count: t?.evalTokens ?? evalCount,
        eval_duration: nanos(t?.evalMs ?? (Number.isNaN(evalStart) ? 0 : end - evalStart)),
      };
      event.promptTokens = promptTokens;
      if (deps.metrics) {
        // not streamed, the text came at the end: the first token was there once the prompt was read
        if (plan.stream === false && t && !Number.isNaN(firstOutput)) firstOutput = promptStart + t.promptMs;
        deps.metrics.observeGeneration({
          model: plan.model.name,
          firstTokenSeconds: Number.isNaN(firstOutput) ? undefined : (firstOutput - plan.startedAt) / 1000,
          promptTokens,
          promptEvalTokens: event.metrics.prompt_eval_count ?? promptTokens,
          evalTokens: event.metrics.eval_count ?? 0,
          evalSeconds: (event.metrics.eval_duration ?? 0) / 1e9,
        });
      }
      if (chunk.truncated) event.truncated = chunk.truncated;
      if (plan.wantContext) {
        const promptIds = chunk.promptTokens ?? prompt.tokens ?? await runner.tokenize(prompt.text ?? "");
        const outputIds = outputTokens.length || !outputText ? outputTokens : await runner.tokenize(outputText);
        event.context = [...promptIds, ...outputIds];
      }
      yield event;
      return;
    }
    // The engine ended without a done chunk (cancelled): nothing more to say.
  } finally {
    plan.signal.removeEventListener("abort", onAbort);
    stop.abort();
    lease.release(plan.keepAliveMs);
  }
}
