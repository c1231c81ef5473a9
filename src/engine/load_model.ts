/**
 * The library face for running a GGUF model in-process: `loadModel(path)` → `complete()`, `generate()`,
 * `embed()`, `close()`. Each model runs in its own Worker (model_host.ts), where up to `numParallel` requests
 * are decoded together (continuous batching) and the rest wait their turn.
 * @module
 */
import { compatProjectorPath, readTranslation } from "../compat/mod.ts";
import { config } from "../config.ts";
import { checkLoadable } from "./load_probe.ts";
import { ModelHost } from "./model_host.ts";
import type { OllamaOptions } from "./options.ts";
import type { DevicePlacement, DoneReason, LoadSettings, ModelInfo, ThinkingBudget, Timings, TokenLogprob } from "./protocol.ts";

export type { DevicePlacement, DoneReason, ModelInfo, OllamaOptions, Timings, TokenLogprob };

/** What the worker is loaded with (LoadSettings), and what only this side sees. */
export interface LoadModelOptions extends LoadSettings {
  /** 0..1 while the weights load. */
  onProgress?: (progress: number) => void;
  /** Aborting stops the load. */
  signal?: AbortSignal;
  /**
   * Load a file never loaded before in a child process first, so one that crashes libllama cannot end this process
   * (default: TOLLAMA_PROBE_LOAD, on). The file is validated either way.
   */
  probe?: boolean;
}

export interface CompleteOptions {
  /** Tokenize the prompt as is: add_special per the model, special tokens parsed, no template. */
  raw?: boolean;
  /** With `raw`: false skips the BOS/EOS that add_special would add (the prompt already has them). */
  addSpecial?: boolean;
  options?: OllamaOptions;
  /** A GBNF grammar constraining the output. */
  format?: string;
  /**
   * Context shift (Ollama's `shift`, default true): a prompt too long for the context is cut in the middle
   * (keeping `num_keep` tokens) and generation goes on past the context. false: a too-long prompt is a
   * ContextLengthError and generation stops at the context's end with doneReason "length".
   */
  shift?: boolean;
  /** Ollama's `truncate` (default true): false refuses a too-long prompt even with shift on. */
  truncate?: boolean;
  /**
   * Log-probability of each generated token from the raw logits of its step (log-softmax over the vocabulary,
   * before temperature or grammar), on the chunks as `logprobs`. Off by default (then nothing is computed).
   */
  logprobs?: boolean;
  /** With `logprobs`: the N (0..20) most likely tokens of each step too. */
  topLogprobs?: number;
  /** Image files for a model loaded with a `projector` (`[img-N]` in the prompt places image N). */
  images?: Uint8Array[];
  /** Caps the thinking at a number of tokens, then closes it (protocol.ts ThinkingBudget). */
  thinkingBudget?: ThinkingBudget;
  /**
   * `generate()`: false gives the text as one chunk at the end (no message per token from the worker); default
   * true. `complete()` does not stream unless this is true.
   */
  stream?: boolean;
  signal?: AbortSignal;
}

export interface Completion {
  text: string;
  /** Generated token ids (the end-of-generation token excluded). */
  tokens: number[];
  promptTokens: number[];
  doneReason: DoneReason;
  timings: Timings;
  /** Prompt tokens dropped from the middle to fit the context (tollama addition; 0 when none). */
  truncated: number;
}

export interface GenerateChunk {
  text: string;
  done: boolean;
  doneReason?: DoneReason;
  /** Final chunk: the stop sequence that ended generation, absent when the model ended it. */
  stopSequence?: string;
  timings?: Timings;
  tokens?: number[];
  promptTokens?: number[];
  /** Final chunk: prompt tokens dropped from the middle to fit the context (0 when none). */
  truncated?: number;
  /** With `logprobs`: one entry per token behind this chunk's text (an entry may come before its text does). */
  logprobs?: TokenLogprob[];
}

/** A model loaded in its own Worker. */
export class LoadedModel implements AsyncDisposable {
  readonly #host: ModelHost;
  #loadReported = false;

  constructor(host: ModelHost) {
    this.#host = host;
  }

  get path(): string {
    return this.#host.path;
  }

  /** Context length, trained length, embedding size, vocabulary size, threads, chat template, CPU backend. */
  get info(): ModelInfo {
    return this.#host.info;
  }

  /** True once the model can serve no more (its worker crashed, or an RPC worker it used was lost): reload it. */
  get failed(): boolean {
    return this.#host.failed;
  }

  /** Generates a whole completion. `prompt` is text, or token ids used as they are. */
  async complete(prompt: string | number[], options: CompleteOptions = {}): Promise<Completion> {
    let text = "";
    let last: GenerateChunk | undefined;
    for await (const chunk of this.generate(prompt, { stream: false, ...options })) {
      text += chunk.text;
      last = chunk;
    }
    return {
      text,
      tokens: last?.tokens ?? [],
      promptTokens: last?.promptTokens ?? [],
      doneReason: last?.doneReason ?? "stop",
      timings: last!.timings!,
      truncated: last?.truncated ?? 0,
    };
  }

  /** Streams a completion: chunks of text, then a last chunk with `done: true`, the reason and the timings. */
  async *generate(prompt: string | number[], options: CompleteOptions = {}): AsyncGenerator<GenerateChunk> {
    const started = performance.now();
    const chunks: Array<{ text: string; logprobs?: TokenLogprob[] }> = [];
    let wake: (() => void) | undefined;
    const controller = new AbortController();
    const outer = options.signal;
    const forward = () => controller.abort(outer?.reason);
    if (outer?.aborted) forward();
    outer?.addEventListener("abort", forward, { once: true });
    let settled = false;
    const result = this.#host.complete(
      {
        prompt,
        raw: options.raw,
        addSpecial: options.addSpecial,
        options: options.options,
        grammar: options.format ?? options.options?.grammar,
        shift: options.shift,
        truncate: options.truncate,
        logprobs: options.logprobs,
        topLogprobs: options.topLogprobs,
        ...(options.images?.length ? { images: options.images } : {}),
        ...(options.thinkingBudget ? { thinkingBudget: options.thinkingBudget } : {}),
        ...(options.stream === false ? { stream: false } : {}),
      },
      (text, logprobs) => {
        chunks.push(logprobs ? { text, logprobs } : { text });
        wake?.();
      },
      controller.signal,
    ).finally(() => {
      settled = true;
      wake?.();
    });
    result.catch(() => {}); // observed below; avoid an unhandled rejection if the consumer stops early
    try {
      while (true) {
        while (chunks.length) yield { ...chunks.shift()!, done: false };
        if (settled) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      const done = await result;
      while (chunks.length) yield { ...chunks.shift()!, done: false };
      const loadDuration = this.#loadReported ? 0 : this.#host.loadDuration;
      this.#loadReported = true;
      yield {
        text: "",
        done: true,
        doneReason: done.doneReason,
        ...(done.stopSequence !== undefined ? { stopSequence: done.stopSequence } : {}),
        tokens: done.tokens,
        promptTokens: done.promptTokens,
        truncated: done.truncated,
        timings: {
          promptEvalCount: done.promptEvalCount,
          promptEvalDuration: done.promptEvalDuration,
          evalCount: done.evalCount,
          evalDuration: done.evalDuration,
          loadDuration,
          totalDuration: Math.round((performance.now() - started) * 1e6) + loadDuration,
          cachedTokens: done.cachedTokens,
        },
      };
    } finally {
      // the consumer stopped early (break/return): stop generating
      if (!settled) controller.abort(new DOMException("the consumer stopped reading", "AbortError"));
      outer?.removeEventListener("abort", forward);
    }
  }

  /** L2-normalised embedding of each input. */
  async embed(inputs: string[], options: { truncate?: boolean; signal?: AbortSignal } = {}): Promise<number[][]> {
    if (inputs.length === 0) return [];
    return (await this.#host.embed(inputs, options)).vectors;
  }

  /** Embeddings with the prompt token count (for /api/embed's prompt_eval_count). */
  embedWithCount(inputs: string[], options: { truncate?: boolean; signal?: AbortSignal } = {}) {
    return this.#host.embed(inputs, options);
  }

  tokenize(text: string, options?: { addSpecial?: boolean; parseSpecial?: boolean }): Promise<number[]> {
    return this.#host.tokenize(text, options);
  }

  detokenize(tokens: number[]): Promise<string> {
    return this.#host.detokenize(tokens);
  }

  /** Frees the model and ends its worker; pending requests reject. Idempotent. */
  close(): Promise<void> {
    return this.#host.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Loads a GGUF model into its own Worker.
 * @example
 * ```ts
 * const model = await loadModel("model.gguf", { numCtx: 2048 });
 * const r = await model.complete("Why is the sky blue?", { options: { temperature: 0, num_predict: 64 } });
 * console.log(r.text, r.doneReason, r.timings.evalCount);
 * await model.close();
 * ```
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  // A published-Ollama GGUF loads from its translated header (the worker's loadModelFile reads the weights from the
  // file itself, no copy on disk); read it here so a malformed one fails with its CompatError before any load.
  await readTranslation(path);
  const loadPath = path;
  // a projector without a type, or a published model with its vision tower inside, is seen through its translation
  const projector = options.projector
    ? (await compatProjectorPath(options.projector)) ?? options.projector
    : await compatProjectorPath(path);
  // With RPC workers the probe would load the whole model on this machine, which may not hold it (the reason to
  // split it): the file is still validated.
  const probe = options.probe ?? (config.rpcServers().length > 0 ? false : undefined);
  await checkLoadable(loadPath, { probe, signal: options.signal });
  const host = await ModelHost.start(loadPath, {
    numCtx: options.numCtx,
    numThread: options.numThread,
    numBatch: options.numBatch,
    embedding: options.embedding,
    numParallel: options.numParallel,
    kvUnified: options.kvUnified,
    adapters: options.adapters,
    projector,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  return new LoadedModel(host);
}
