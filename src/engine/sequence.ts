/**
 * One request inside the batch runner: its prompt (already fitted to the context), where its prefill stands,
 * its own sampler chain, and the text side of its output (streaming UTF-8 decode → stop sequences → chunks).
 * The runner (batch_runner.ts) decides what goes into each decode; this file only keeps one request's state.
 * @module
 */
import { AbortedError, type Context, type MediaChunk, type MediaPrompt, type Model, Sampler } from "../llama/mod.ts";
import { samplingOptions, stopSequences } from "./options.ts";
import type { CompletionDone, CompletionRequest, DoneReason, ThinkingBudget } from "./protocol.ts";
import { StopMatcher } from "./stop_matcher.ts";
import { StepLogprobs, type TokenLogprob } from "./logprobs.ts";

/** Where a request's output goes (the worker posts it to the main thread). */
export interface SequenceSink {
  /** Text as it is produced; `logprobs`: the entries of the tokens behind it (when asked for). */
  chunk(text: string, logprobs?: TokenLogprob[]): void;
  done(done: CompletionDone): void;
  fail(error: Error): void;
  /** Polled between steps and, during big prefills, from inside llama_decode. */
  cancelled(): boolean;
}

/** A request's thinking budget as its output goes: before the block, inside it, writing its forced close, after. */
interface BudgetState {
  readonly budget: ThinkingBudget;
  readonly closeTokens: number[];
  state: "before" | "inside" | "forcing" | "after";
  /** Thinking tokens so far. */
  count: number;
  /** The latest output text, long enough to find a tag split across tokens. */
  tail: string;
  /** Closing-text tokens still to decode. */
  forced: number[];
}

const now = () => performance.now();
const ns = (ms: number) => Math.round(ms * 1e6);

export class Sequence {
  readonly request: CompletionRequest;
  readonly sink: SequenceSink;
  /** The whole prompt as tokenized (before fitting). */
  readonly original: number[];
  /** What is evaluated: `original`, or its truncation. */
  readonly prompt: number[];
  /** Prompt tokens dropped to fit the context. */
  readonly dropped: number;
  /** Tokens kept at the start on a context shift. */
  readonly keep: number;
  readonly shift: boolean;
  readonly numPredict: number;
  /** Prompt tokens evaluated so far (the first `cached` of them came from the KV cache). */
  next = 0;
  cached = 0;
  /** A sampled token not yet decoded (generation phase). */
  pending: number | undefined;
  /** Index of this sequence's output in the current batch, -1 when it has none. */
  outIndex = -1;
  /** Position of this sequence's first token in the current batch, and how many it has there. */
  batchStart = 0;
  batchCount = 0;
  /**
   * A prompt with images: its image chunks by the prompt position they start at. Image positions hold
   * negative ids derived from the image's content hash in `prompt`, so the prefix cache matches an image only
   * against the same image.
   */
  media: { prompt: MediaPrompt; spans: Map<number, { n: number; chunk: MediaChunk }>; starts: number[] } | undefined;
  /** A context shift happened: the KV no longer matches a plain prefix of the tokens. */
  shifted = false;
  readonly tokens: number[] = [];
  #sampler: Sampler | undefined;
  readonly #stop: StopMatcher;
  readonly #decoder = new TextDecoder("utf-8");
  #startedAt = 0;
  #prefilledAt = 0;
  /** With a thinking budget: where the output stands, and the tokens of its closing text. */
  #budget: BudgetState | undefined;

  constructor(
    request: CompletionRequest,
    sink: SequenceSink,
    fitted: { original: number[]; prompt: number[]; dropped: number; keep: number; numPredict: number },
  ) {
    this.request = request;
    this.sink = sink;
    this.original = fitted.original;
    this.prompt = fitted.prompt;
    this.dropped = fitted.dropped;
    this.keep = fitted.keep;
    this.numPredict = fitted.numPredict;
    this.shift = request.shift ?? true;
    this.#stop = new StopMatcher(stopSequences(request.options));
  }

  get prefilling(): boolean {
    return this.next < this.prompt.length;
  }

  /** Starts the request on its slot: `cached` prompt tokens are already in the KV cache. */
  start(model: Model, cached: number, nCtx: number): void {
    this.#startedAt = now();
    this.next = this.cached = cached;
    const options = this.request.options ?? {};
    this.#sampler = new Sampler(model, samplingOptions(options, this.request.grammar, nCtx), nCtx);
    // image positions carry no token for penalties or a grammar
    this.#sampler.acceptPrompt(this.media ? this.prompt.filter((t) => t >= 0) : this.prompt);
    const budget = this.request.thinkingBudget;
    if (budget) {
      const closeTokens = model.vocab.tokenize(budget.closeText, { addSpecial: false, parseSpecial: true });
      this.#budget = { budget, closeTokens, state: budget.startsInside ? "inside" : "before", count: 0, tail: "", forced: [] };
    }
  }

  /**
   * Samples the next token from output `outIndex` of the last decode and streams its text. Returns the reason
   * to stop, or undefined to go on (the token is then `pending`, to be decoded in the next step).
   */
  sample(context: Context, model: Model): DoneReason | undefined {
    if (this.#prefilledAt === 0) this.#prefilledAt = now();
    // before sampling: the raw logits of this step (zero cost when not asked for)
    const step = this.request.logprobs
      ? new StepLogprobs(context.logits(this.outIndex), this.request.topLogprobs ?? 0)
      : undefined;
    const token = this.#forcedToken() ?? this.#sampler!.sample(context, this.outIndex);
    this.outIndex = -1;
    if (model.vocab.isEog(token)) return "stop";
    this.tokens.push(token);
    if (step) this.#logprobs.push(step.entry(model, token));
    const text = this.#decoder.decode(model.vocab.piece(token), { stream: true });
    if (this.#budget) this.#countThinking(this.#budget, text);
    if (text) {
      const safe = this.#stop.push(text);
      if (safe.text) this.sink.chunk(safe.text, this.#takeLogprobs());
      if (safe.stopped) {
        this.#stoppedByText = true;
        return "stop";
      }
    }
    if (this.numPredict > 0 && this.tokens.length >= this.numPredict) return "length";
    this.pending = token;
    return undefined;
  }

  /** The next token of a closing text being forced, recorded in the sampler as if sampled; undefined to sample. */
  #forcedToken(): number | undefined {
    const forced = this.#budget?.forced;
    if (!forced?.length) return undefined;
    const token = forced.shift()!;
    if (this.#sampler!.accept(token)) return token;
    forced.length = 0; // a grammar that does not allow the closing text: the model goes on as it would
    return undefined;
  }

  /** Follows the output through the thinking block; once it holds the budget's tokens, queues the closing text. */
  #countThinking(b: BudgetState, text: string): void {
    if (b.state === "after") return;
    if (b.state === "forcing") {
      if (b.forced.length === 0) b.state = "after";
      return;
    }
    b.tail += text;
    const tags = b.state === "before" ? b.budget.open : b.budget.close;
    const found = tags.find((tag) => b.tail.includes(tag));
    if (found !== undefined) {
      // the block opened (its opener is not thinking), or the model closed it within the budget
      b.state = b.state === "before" ? "inside" : "after";
      b.tail = b.tail.slice(b.tail.indexOf(found) + found.length);
      return;
    }
    // a tag may be split across tokens: keep as much as the longest could still need
    const keep = Math.max(0, ...tags.map((tag) => tag.length - 1));
    if (b.tail.length > keep) b.tail = b.tail.slice(b.tail.length - keep);
    if (b.state !== "inside" || ++b.count < b.budget.tokens) return;
    b.state = "forcing";
    b.forced = [...b.closeTokens];
    if (b.forced.length === 0) b.state = "after";
  }

  #stoppedByText = false;
  /** Entries of tokens whose text is not sent yet (an incomplete character, a possible stop prefix). */
  #logprobs: TokenLogprob[] = [];

  #takeLogprobs(): TokenLogprob[] | undefined {
    if (this.#logprobs.length === 0) return undefined;
    const out = this.#logprobs;
    this.#logprobs = [];
    return out;
  }

  /** Sends the held-back text and the final figures. */
  finish(reason: DoneReason): void {
    let doneReason = reason;
    if (!this.#stoppedByText) {
      // bytes of an incomplete character, then whatever was held back as a possible stop prefix
      let tail = "";
      const last = this.#decoder.decode();
      const pushed = last ? this.#stop.push(last) : { text: "", stopped: false };
      tail += pushed.text;
      if (pushed.stopped) doneReason = "stop";
      else tail += this.#stop.flush();
      if (tail) this.sink.chunk(tail, this.#takeLogprobs());
    }
    // tokens whose text never went out: an incomplete character at the end; after a stop sequence, the stop itself
    const left = this.#takeLogprobs();
    if (left && !this.#stoppedByText) this.sink.chunk("", left);
    const ended = now();
    const prefilled = this.#prefilledAt || ended;
    // image positions hold internal ids: the prompt tokens given back (a `context`) are the text's
    const promptTokens = this.media ? this.original.filter((t) => t >= 0) : this.original;
    this.close();
    this.sink.done({
      tokens: this.tokens,
      promptTokens,
      doneReason,
      ...(doneReason === "stop" && this.#stop.matched !== undefined ? { stopSequence: this.#stop.matched } : {}),
      promptEvalCount: this.prompt.length - this.cached,
      promptEvalDuration: ns(prefilled - this.#startedAt),
      evalCount: this.tokens.length,
      evalDuration: ns(ended - prefilled),
      cachedTokens: this.cached,
      truncated: this.dropped,
    });
  }

  /** Ends the request with an error (AbortError when cancelled). */
  fail(error: Error = new AbortedError()): void {
    this.close();
    this.sink.fail(error);
  }

  close(): void {
    this.media?.prompt.close();
    this.media = undefined;
    this.#sampler?.close();
    this.#sampler = undefined;
  }
}
