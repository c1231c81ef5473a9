/**
 * Token sampling from Ollama's options: temperature 0 is greedy and reads the argmax straight from the logits
 * (llama_sampler_sample would build a full-vocabulary candidate array per token); otherwise a llama.cpp sampler
 * chain. A GBNF grammar is applied "check first": sample unconstrained, test that one token against the
 * grammar, and constrain the whole vocabulary only when it is rejected (ffi-notes: 7–10 → 0.7 ms/token).
 * @module
 */
import type { Pointer } from "./ffi/types.ts";
import { NativeHandle } from "./handle.ts";
import type { Context } from "./context.ts";
import type { Model } from "./model.ts";
import { cstr } from "./strings.ts";

export interface SamplingOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  typicalP?: number;
  /** Last n tokens penalised; 0 off, -1 the whole context. */
  repeatLastN?: number;
  repeatPenalty?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** -1 (or unset) = random. */
  seed?: number;
  /** A GBNF grammar whose `root` rule constrains the output. */
  grammar?: string;
}

/** The grammar is not valid GBNF (libllama logs the parse error). */
export class GrammarError extends Error {
  constructor() {
    super("invalid grammar (GBNF parse failed; see the log)");
    this.name = "GrammarError";
  }
}

const DATA_OFFSET = 64; // the llama_token_data_array header sits before its data, in the same buffer
const TOKEN_DATA = 12;

/** Index of the largest value (first one on ties, as llama.cpp's greedy sampler). */
export function argmax(values: Float32Array): number {
  let best = 0;
  let max = values[0];
  for (let i = 1; i < values.length; i++) {
    if (values[i] > max) {
      max = values[i];
      best = i;
    }
  }
  return best;
}

export class Sampler extends NativeHandle {
  readonly greedy: boolean;
  readonly #model: Model;
  #chain: Pointer = null;
  #grammar: Pointer = null;
  #candidates: Uint8Array | undefined;
  #candidatesView: DataView | undefined;
  #ids: Int32Array | undefined;
  #floats: Float32Array | undefined;
  #rejections = 0;

  constructor(model: Model, options: SamplingOptions = {}, nCtx = 4096) {
    super("sampler", model);
    this.#model = model;
    const temperature = options.temperature ?? 0.8;
    this.greedy = temperature <= 0;
    try {
      this.#build(options, temperature, nCtx);
    } catch (error) {
      this.close(); // frees what was built and leaves the model's child list
      throw error;
    }
  }

  #build(options: SamplingOptions, temperature: number, nCtx: number): void {
    const { ffi } = this.#model.llama;
    const fn = ffi.fn;
    if (options.grammar !== undefined && options.grammar.trim() !== "") {
      const grammar = fn.llama_sampler_init_grammar(vocabHandle(this.#model), cstr(options.grammar), cstr("root"));
      if (ffi.address(grammar) === 0n) throw new GrammarError();
      this.#grammar = grammar;
    }
    if (this.greedy) return;
    const chain = fn.llama_sampler_chain_init(fn.llama_sampler_chain_default_params());
    this.#chain = chain;
    const add = (s: Pointer) => fn.llama_sampler_chain_add(chain, s);
    const repeatLastN = options.repeatLastN === -1 ? nCtx : options.repeatLastN ?? 64;
    const repeatPenalty = options.repeatPenalty ?? 1;
    const freq = options.frequencyPenalty ?? 0;
    const presence = options.presencePenalty ?? 0;
    if (repeatLastN !== 0 && (repeatPenalty !== 1 || freq !== 0 || presence !== 0)) {
      // llama.h: the first argument is n_vocab (the history is min(penalty_last_n, n_vocab) tokens long).
      add(fn.llama_sampler_init_penalties(this.#model.vocab.nTokens, repeatLastN, repeatPenalty, freq, presence));
    }
    const topK = options.topK ?? 40;
    if (topK > 0) add(fn.llama_sampler_init_top_k(topK));
    const typicalP = options.typicalP ?? 1;
    if (typicalP > 0 && typicalP < 1) add(fn.llama_sampler_init_typical(typicalP, 1));
    const topP = options.topP ?? 0.9;
    if (topP > 0 && topP < 1) add(fn.llama_sampler_init_top_p(topP, 1));
    const minP = options.minP ?? 0;
    if (minP > 0) add(fn.llama_sampler_init_min_p(minP, 1));
    add(fn.llama_sampler_init_temp(temperature));
    const seed = options.seed === undefined || options.seed < 0 ? 0xffffffff : options.seed >>> 0;
    add(fn.llama_sampler_init_dist(seed));
  }

  /** How often the grammar rejected the unconstrained pick (for tuning). */
  get rejections(): number {
    return this.#rejections;
  }

  /** Feeds prompt tokens to the history of the repetition penalties (not to the grammar). */
  acceptPrompt(tokens: ArrayLike<number>): void {
    if (this.#chain === null) return;
    for (let i = 0; i < tokens.length; i++) this.#model.llama.ffi.fn.llama_sampler_accept(this.#chain, tokens[i]);
  }

  /** Picks the next token from output `i` of the context's last decode, and records it. */
  sample(context: Context, i: number): number {
    this.assertOpen();
    const fn = this.#model.llama.ffi.fn;
    if (this.#grammar === null) {
      if (this.#chain === null) return argmax(context.logits(i));
      // llama_sampler_sample also accepts the token into the chain
      return fn.llama_sampler_sample(this.#chain, context.handle, i);
    }
    const logits = context.logits(i);
    let token = this.#chain === null ? argmax(logits) : this.#pick(logits, false);
    if (!this.#allowed(token, logits[token])) {
      this.#rejections++;
      token = this.#pick(logits, true);
    }
    fn.llama_sampler_accept(this.#grammar, token);
    if (this.#chain !== null) fn.llama_sampler_accept(this.#chain, token);
    return token;
  }

  /**
   * Records a token chosen by the caller instead of sampled (a forced closing tag): false, and nothing recorded,
   * where the grammar does not allow it (accepting it would break the grammar's state).
   */
  accept(token: number): boolean {
    this.assertOpen();
    const fn = this.#model.llama.ffi.fn;
    if (this.#grammar !== null) {
      if (!this.#allowed(token, 0)) return false;
      fn.llama_sampler_accept(this.#grammar, token);
    }
    if (this.#chain !== null) fn.llama_sampler_accept(this.#chain, token);
    return true;
  }

  /** Clears the chain's history and the grammar state, for a new request. */
  reset(): void {
    this.assertOpen();
    const fn = this.#model.llama.ffi.fn;
    if (this.#chain !== null) fn.llama_sampler_reset(this.#chain);
    if (this.#grammar !== null) fn.llama_sampler_reset(this.#grammar);
  }

  /** Runs the full-vocabulary path: optional grammar, then the chain (or argmax) over every token. */
  #pick(logits: Float32Array, constrained: boolean): number {
    const fn = this.#model.llama.ffi.fn;
    const n = logits.length;
    const [bytes, view] = this.#candidateBuffer(n);
    // llama_token_data is {i32 id, f32 logit, f32 p}: three 4-byte words, written through typed views
    const ids = this.#ids!;
    const floats = this.#floats!;
    for (let t = 0, w = 0; t < n; t++, w += 3) {
      ids[w] = t;
      floats[w + 1] = logits[t];
      floats[w + 2] = 0;
    }
    this.#setHeader(view, n);
    if (constrained) fn.llama_sampler_apply(this.#grammar, bytes);
    if (this.#chain === null) {
      let best = -1;
      let max = -Infinity;
      const size = Number(view.getBigUint64(8, true));
      for (let k = 0, w = 0; k < size; k++, w += 3) {
        if (floats[w + 1] > max) {
          max = floats[w + 1];
          best = ids[w];
        }
      }
      if (best < 0) throw new Error("the grammar allows no token here");
      return best;
    }
    fn.llama_sampler_apply(this.#chain, bytes);
    const selected = Number(view.getBigInt64(16, true));
    if (selected < 0) throw new Error("the sampler chain selected no token");
    return view.getInt32(DATA_OFFSET + selected * TOKEN_DATA, true);
  }

  /** Does the grammar accept `token` next? (apply it to a one-candidate array and see if it survives) */
  #allowed(token: number, logit: number): boolean {
    const [bytes, view] = this.#candidateBuffer(this.#model.vocab.nTokens);
    view.setInt32(DATA_OFFSET, token, true);
    view.setFloat32(DATA_OFFSET + 4, logit, true);
    view.setFloat32(DATA_OFFSET + 8, 0, true);
    this.#setHeader(view, 1);
    this.#model.llama.ffi.fn.llama_sampler_apply(this.#grammar, bytes);
    return view.getFloat32(DATA_OFFSET + 4, true) !== -Infinity;
  }

  #setHeader(view: DataView, size: number): void {
    view.setBigUint64(0, this.#model.llama.ffi.bufferAddress(this.#candidates!) + BigInt(DATA_OFFSET), true);
    view.setBigUint64(8, BigInt(size), true);
    view.setBigInt64(16, -1n, true);
    view.setUint8(24, 0);
  }

  #candidateBuffer(n: number): [Uint8Array, DataView] {
    if (!this.#candidates || this.#candidates.byteLength < DATA_OFFSET + n * TOKEN_DATA) {
      this.#candidates = new Uint8Array(DATA_OFFSET + n * TOKEN_DATA);
      this.#candidatesView = new DataView(this.#candidates.buffer);
      this.#ids = new Int32Array(this.#candidates.buffer, DATA_OFFSET, n * 3);
      this.#floats = new Float32Array(this.#candidates.buffer, DATA_OFFSET, n * 3);
    }
    return [this.#candidates, this.#candidatesView!];
  }

  protected free(): void {
    const fn = this.#model.llama.ffi.fn;
    if (this.#chain !== null) fn.llama_sampler_free(this.#chain);
    if (this.#grammar !== null) fn.llama_sampler_free(this.#grammar);
  }
}

function vocabHandle(model: Model): Pointer {
  return model.llama.ffi.fn.llama_model_get_vocab(model.handle);
}
