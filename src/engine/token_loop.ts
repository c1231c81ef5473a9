/**
 * The synchronous token loop that runs inside an inference Worker: prompt → tokens → prefill (abortable) →
 * sample / decode one token at a time → UTF-8-correct text through stop-sequence matching → chunks.
 * Keeps the KV cache of sequence 0 between requests and re-evaluates only past the common prefix.
 * @module
 */
import { AbortedError, type Batch, type Context, type Model, Sampler } from "../llama/mod.ts";
import { samplingOptions, stopSequences } from "./options.ts";
import type { CompletionDone, CompletionRequest, DoneReason } from "./protocol.ts";
import { StopMatcher } from "./stop_matcher.ts";

/** The prompt does not fit the context. */
export class ContextLengthError extends Error {
  constructor(tokens: number, nCtx: number) {
    super(`the input length (${tokens} tokens) exceeds the context length (${nCtx} tokens)`);
    this.name = "ContextLengthError";
  }
}

const now = () => performance.now();
const ns = (ms: number) => Math.round(ms * 1e6);

/** One model's generation state inside its worker: the context, a batch, and what the KV cache holds. */
export class TokenLoop {
  readonly #model: Model;
  readonly #context: Context;
  readonly #batch: Batch;
  /** Tokens whose KV entries sequence 0 holds, in order. */
  #cached: number[] = [];

  constructor(model: Model, context: Context, batch: Batch) {
    this.#model = model;
    this.#context = context;
    this.#batch = batch;
  }

  /** The prompt's token ids: raw as llama.cpp tokenizes it, else through the model's chat template. */
  promptTokens(request: CompletionRequest): number[] {
    if (typeof request.prompt !== "string") {
      const nVocab = this.#model.vocab.nTokens;
      for (const t of request.prompt) {
        if (!Number.isInteger(t) || t < 0 || t >= nVocab) throw new RangeError(`invalid token id ${t} in the prompt`);
      }
      return request.prompt;
    }
    let text = request.prompt;
    if (!request.raw && this.#model.chatTemplate() !== undefined) {
      text = this.#model.applyChatTemplate([{ role: "user", content: request.prompt }], true);
    }
    return this.#model.vocab.tokenize(text, { addSpecial: request.addSpecial ?? true, parseSpecial: true });
  }

  /**
   * Runs one completion. `emit` receives text as it becomes final; `cancelled` is polled between tokens and,
   * during prefill, from inside llama_decode. Throws AbortedError when cancelled.
   */
  run(request: CompletionRequest, cancelled: () => boolean, emit: (text: string) => void): CompletionDone {
    if (cancelled()) throw new AbortedError();
    const context = this.#context;
    const vocab = this.#model.vocab;
    const nCtx = context.nCtx;
    const prompt = this.promptTokens(request);
    if (prompt.length === 0) throw new RangeError("the prompt is empty after tokenization");
    if (prompt.length >= nCtx) throw new ContextLengthError(prompt.length, nCtx);
    const options = request.options ?? {};
    const sampler = new Sampler(this.#model, samplingOptions(options, request.grammar), nCtx);
    try {
      const started = now();
      const evaluated = this.#prefill(prompt, cancelled);
      sampler.acceptPrompt(prompt);
      const prefilled = now();
      const numPredict = options.num_predict ?? -1;
      const stop = new StopMatcher(stopSequences(options));
      const decoder = new TextDecoder("utf-8");
      const tokens: number[] = [];
      let doneReason: DoneReason = "length";
      let stoppedByText = false;
      let pos = prompt.length;
      let output = this.#batch.length - 1;
      for (;;) {
        const token = sampler.sample(context, output);
        if (vocab.isEog(token)) {
          doneReason = "stop";
          break;
        }
        tokens.push(token);
        const text = decoder.decode(vocab.piece(token), { stream: true });
        if (text) {
          const safe = stop.push(text);
          if (safe.text) emit(safe.text);
          if (safe.stopped) {
            doneReason = "stop";
            stoppedByText = true;
            break;
          }
        }
        if (numPredict > 0 && tokens.length >= numPredict) break;
        if (pos + 1 >= nCtx) break; // context full: no context shift yet
        if (cancelled()) throw new AbortedError();
        this.#batch.clear();
        this.#batch.add(token, pos, 0, true);
        this.#decode(pos);
        this.#cached.push(token);
        pos++;
        output = 0;
      }
      if (!stoppedByText) {
        // bytes of an incomplete character, then whatever was held back as a possible stop prefix
        let tail = "";
        const last = decoder.decode();
        const pushed = last ? stop.push(last) : { text: "", stopped: false };
        tail += pushed.text;
        if (pushed.stopped) doneReason = "stop";
        else tail += stop.flush();
        if (tail) emit(tail);
      }
      const ended = now();
      return {
        tokens,
        promptTokens: prompt,
        doneReason,
        promptEvalCount: evaluated,
        promptEvalDuration: ns(prefilled - started),
        evalCount: tokens.length,
        evalDuration: ns(ended - prefilled),
      };
    } finally {
      sampler.close();
    }
  }

  /** Decodes the part of `prompt` not already cached, in n_batch chunks; returns how many tokens it evaluated. */
  #prefill(prompt: number[], cancelled: () => boolean): number {
    const context = this.#context;
    let common = 0;
    const limit = Math.min(this.#cached.length, prompt.length - 1); // always evaluate ≥ 1 token to get logits
    while (common < limit && this.#cached[common] === prompt[common]) common++;
    if (!context.seqRm(0, common, -1)) {
      context.seqRm(0, -1, -1);
      common = 0;
    }
    this.#cached.length = common;
    const chunk = this.#batch.capacity;
    context.setAbort(cancelled);
    try {
      for (let from = common; from < prompt.length; from += chunk) {
        const count = Math.min(chunk, prompt.length - from);
        this.#batch.fill(prompt, from, 0, from, count);
        this.#decode(from);
        for (let k = 0; k < count; k++) this.#cached.push(prompt[from + k]);
      }
    } finally {
      context.setAbort(null);
    }
    return prompt.length - common;
  }

  /** Decodes the batch starting at `pos`; on failure trims the cache back to what is known to be there. */
  #decode(pos: number): void {
    try {
      this.#context.decode(this.#batch);
    } catch (error) {
      this.#context.seqRm(0, pos, -1);
      this.#cached.length = Math.min(this.#cached.length, pos);
      throw error;
    }
  }
}
