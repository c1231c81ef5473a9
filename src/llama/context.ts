/**
 * A `llama_context` on a model: KV cache/memory, decode, logits, embeddings, abort callback, and a persistent
 * ggml threadpool (without one ggml creates and joins threads inside every decode: +130 µs per token).
 * @module
 */
import type { NativeCallback, Pointer } from "./ffi/types.ts";
import { THREADPOOL_PARAMS_SIZE } from "./ffi/symbols.ts";
import { writeField } from "./check_layout.ts";
import { AbortedError, DecodeError } from "./errors.ts";
import { NativeHandle } from "./handle.ts";
import type { Batch } from "./batch.ts";
import type { Model } from "./model.ts";
import { threadCount } from "./threads.ts";

export interface ContextOptions {
  /**
   * Context length of one sequence in tokens (0 = the model's trained length). Default 4096, capped at the trained
   * length. The cache holds nCtx × nSeqMax tokens.
   */
  nCtx?: number;
  /** Most tokens per llama_decode call. Default 512; at least nSeqMax, at most the cache. */
  nBatch?: number;
  /** Physical batch size. Default = nBatch. */
  nUbatch?: number;
  /** Parallel sequences, 1 to 256 (LLAMA_MAX_SEQ). Default 1. */
  nSeqMax?: number;
  /** Threads for generation; default (or not a positive number): physical cores available; capped at the CPUs. */
  nThreads?: number;
  /** Threads for prompt processing; default = nThreads; capped at the CPUs. */
  nThreadsBatch?: number;
  /** Produce embeddings instead of (as well as) logits. */
  embeddings?: boolean;
  /** -1 model default, 0 none, 1 mean, 2 cls, 3 last. */
  poolingType?: number;
  /** -1 auto, 0 off, 1 on. */
  flashAttn?: number;
  /** One KV buffer shared by all sequences. */
  kvUnified?: boolean;
  /** ggml type of the K and V caches (default f16); a quantized V cache needs flash attention. */
  typeK?: number;
  typeV?: number;
}

export class Context extends NativeHandle {
  readonly model: Model;
  readonly handle: Pointer;
  readonly nThreads: number;
  readonly #memory: Pointer;
  readonly #threadpools: Pointer[];
  readonly #nVocab: number;
  #abortCallback: NativeCallback | undefined;
  #shouldAbort: (() => boolean) | undefined;
  #logitsAddress = -1n;
  #logitsView: Float32Array | undefined;

  private constructor(model: Model, handle: Pointer, nThreads: number, threadpools: Pointer[]) {
    super("context", model);
    this.model = model;
    this.handle = handle;
    this.nThreads = nThreads;
    this.#threadpools = threadpools;
    this.#memory = model.llama.ffi.fn.llama_get_memory(handle);
    this.#nVocab = model.vocab.nTokens;
  }

  /** Use `model.createContext()`. */
  static create(model: Model, options: ContextOptions): Context {
    const { ffi } = model.llama;
    const { nCtx, nBatch, nUbatch, nSeqMax } = contextSizes(model.nCtxTrain, options);
    const nThreads = threadCount(options.nThreads);
    const nThreadsBatch = options.nThreadsBatch ? threadCount(options.nThreadsBatch) : nThreads;
    const params = ffi.fn.llama_context_default_params();
    const set = (field: string, value: number | boolean) => writeField(params, "llama_context_params", field, value);
    set("n_ctx", nCtx);
    set("n_batch", nBatch);
    set("n_ubatch", nUbatch);
    set("n_seq_max", nSeqMax);
    set("n_threads", nThreads);
    set("n_threads_batch", nThreadsBatch);
    if (options.embeddings) set("embeddings", true);
    if (options.poolingType !== undefined) set("pooling_type", options.poolingType);
    if (options.flashAttn !== undefined) set("flash_attn_type", options.flashAttn);
    if (options.kvUnified !== undefined) set("kv_unified", options.kvUnified);
    if (options.typeK !== undefined) set("type_k", options.typeK);
    if (options.typeV !== undefined) set("type_v", options.typeV);
    // Perf counters cost nothing measurable and llama_perf_context reads them; keep libllama's default (off).
    const handle = ffi.fn.llama_init_from_model(model.handle, params);
    if (ffi.address(handle) === 0n) {
      throw new Error(`failed to create a context of ${nCtx} tokens for ${model.path} (out of memory? see the log)`);
    }
    const threadpools: Pointer[] = [];
    try {
      const procs = ffi.cpuProcs();
      const makePool = (n: number) => {
        const tpParams = new Uint8Array(THREADPOOL_PARAMS_SIZE);
        ffi.fn.ggml_threadpool_params_init(tpParams, n);
        const pool = procs.ggml_threadpool_new(tpParams);
        if (ffi.address(pool) === 0n) throw new Error(`ggml could not start a threadpool of ${n} threads`);
        threadpools.push(pool);
        return pool;
      };
      const pool = makePool(nThreads);
      const batchPool = nThreadsBatch === nThreads ? null : makePool(nThreadsBatch);
      ffi.fn.llama_attach_threadpool(handle, pool, batchPool);
    } catch (error) {
      ffi.fn.llama_free(handle);
      for (const pool of threadpools) ffi.cpuProcs().ggml_threadpool_free(pool);
      throw error;
    }
    return new Context(model, handle, nThreads, threadpools);
  }

  get nCtx(): number {
    this.assertOpen();
    return this.model.llama.ffi.fn.llama_n_ctx(this.handle);
  }

  get nBatch(): number {
    this.assertOpen();
    return this.model.llama.ffi.fn.llama_n_batch(this.handle);
  }

  get nUbatch(): number {
    this.assertOpen();
    return this.model.llama.ffi.fn.llama_n_ubatch(this.handle);
  }

  get nSeqMax(): number {
    this.assertOpen();
    return this.model.llama.ffi.fn.llama_n_seq_max(this.handle);
  }

  /** -1 unspecified, 0 none, 1 mean, 2 cls, 3 last, 4 rank. */
  get poolingType(): number {
    this.assertOpen();
    return this.model.llama.ffi.fn.llama_pooling_type(this.handle);
  }

  /**
   * Decodes a batch. Throws AbortedError when `shouldAbort` (see `setAbort`) stopped it — the ubatches already
   * done stay in memory, so trim the sequence before reusing it — and DecodeError on any other failure.
   */
  decode(batch: Batch): void {
    this.assertOpen();
    const rc = this.model.llama.ffi.fn.llama_decode(this.handle, batch.bytes);
    if (rc === 0) return;
    if (rc === 2) throw new AbortedError();
    if (rc === 1) throw new DecodeError(rc, "no room in the context for the batch (KV cache full)");
    throw new DecodeError(rc, `llama_decode failed with code ${rc}`);
  }

  /**
   * Polls `shouldAbort` from inside llama_decode (once per graph node, on the decoding thread); null removes it.
   * Install it only around long decodes (prefill): a per-node JS call is cheap but not free.
   */
  setAbort(shouldAbort: (() => boolean) | null): void {
    this.assertOpen();
    const { ffi } = this.model.llama;
    this.#shouldAbort = shouldAbort ?? undefined;
    if (shouldAbort) {
      this.#abortCallback ??= ffi.callback("abort", () => this.#shouldAbort?.() ?? false);
      ffi.fn.llama_set_abort_callback(this.handle, this.#abortCallback.pointer, null);
    } else {
      ffi.fn.llama_set_abort_callback(this.handle, null, null);
    }
  }

  /**
   * Logits of output `i` of the last decode (n_vocab floats): a live view, overwritten by the next decode.
   */
  logits(i: number): Float32Array {
    const { ffi } = this.model.llama;
    const pointer = ffi.fn.llama_get_logits_ith(this.handle, i);
    const address = ffi.address(pointer);
    if (address === 0n) throw new DecodeError(-1, `no logits for output ${i}`);
    if (address !== this.#logitsAddress || !this.#logitsView) {
      this.#logitsView = new Float32Array(ffi.view(pointer, this.#nVocab * 4));
      this.#logitsAddress = address;
    }
    return this.#logitsView;
  }

  /** The pooled embedding of sequence `seq`, or (no pooling) of output `i`; a copy, n_embd floats. */
  embedding(seq: number, i: number): Float32Array {
    this.assertOpen();
    const { ffi } = this.model.llama;
    const n = this.model.nEmbd;
    let pointer = ffi.fn.llama_get_embeddings_seq(this.handle, seq);
    if (ffi.address(pointer) === 0n) pointer = ffi.fn.llama_get_embeddings_ith(this.handle, i);
    if (ffi.address(pointer) === 0n) throw new DecodeError(-1, "the context produced no embeddings");
    return new Float32Array(ffi.view(pointer, n * 4)).slice();
  }

  /** Drops all memory (KV cache). */
  clear(): void {
    this.assertOpen();
    this.model.llama.ffi.fn.llama_memory_clear(this.#memory, true);
  }

  /** Removes positions [p0, p1) of `seq` (-1 = any / open end). False if a partial removal is impossible. */
  seqRm(seq: number, p0 = -1, p1 = -1): boolean {
    this.assertOpen();
    return this.model.llama.ffi.fn.llama_memory_seq_rm(this.#memory, seq, p0, p1);
  }

  seqCp(src: number, dst: number, p0 = -1, p1 = -1): void {
    this.assertOpen();
    this.model.llama.ffi.fn.llama_memory_seq_cp(this.#memory, src, dst, p0, p1);
  }

  seqKeep(seq: number): void {
    this.assertOpen();
    this.model.llama.ffi.fn.llama_memory_seq_keep(this.#memory, seq);
  }

  /** Shifts positions [p0, p1) of `seq` by `delta` (context shift). */
  seqAdd(seq: number, p0: number, p1: number, delta: number): void {
    this.assertOpen();
    this.model.llama.ffi.fn.llama_memory_seq_add(this.#memory, seq, p0, p1, delta);
  }

  /**
   * Whether `seqAdd` can move positions (a context shift): false for M-RoPE models (Qwen2-VL, Qwen3-VL, Qwen3.5…),
   * whose KV cache aborts the process on a shift, and for memories without positions to move.
   */
  get canShift(): boolean {
    this.assertOpen();
    return this.model.llama.ffi.fn.llama_memory_can_shift(this.#memory);
  }

  /** Largest position held for `seq`, -1 when empty. */
  seqPosMax(seq: number): number {
    this.assertOpen();
    return this.model.llama.ffi.fn.llama_memory_seq_pos_max(this.#memory, seq);
  }

  seqPosMin(seq: number): number {
    this.assertOpen();
    return this.model.llama.ffi.fn.llama_memory_seq_pos_min(this.#memory, seq);
  }

  protected free(): void {
    const { ffi } = this.model.llama;
    ffi.fn.llama_set_abort_callback(this.handle, null, null);
    ffi.fn.llama_free(this.handle);
    for (const pool of this.#threadpools) ffi.cpuProcs().ggml_threadpool_free(pool);
    this.#abortCallback?.close();
  }
}

/** llama.cpp's LLAMA_MAX_SEQ: more sequences and llama_init_from_model fails. */
const MAX_SEQ = 256;
/** The largest cache, in tokens, that n_ctx (uint32) holds after llama.cpp pads it to a multiple of 256. */
const MAX_CACHE = 2 ** 31;

/**
 * The sizes a context is created with, each a whole number in the range libllama needs: a value it cannot hold
 * (negative, fractional, beyond 32 bits) ends the process in an assert rather than in an error, so nothing
 * outside these ranges may reach it.
 */
export function contextSizes(
  nCtxTrain: number,
  options: Pick<ContextOptions, "nCtx" | "nBatch" | "nUbatch" | "nSeqMax">,
): { nCtx: number; nBatch: number; nUbatch: number; nSeqMax: number } {
  const whole = (value: number | undefined, fallback: number) => {
    const n = Math.trunc(value ?? fallback);
    return Number.isFinite(n) ? n : fallback;
  };
  const nSeqMax = whole(options.nSeqMax, 1);
  if (nSeqMax < 1 || nSeqMax > MAX_SEQ) throw new RangeError(`nSeqMax must be 1 to ${MAX_SEQ}, not ${options.nSeqMax}`);
  const asked = whole(options.nCtx, 4096);
  const limit = Math.floor(MAX_CACHE / nSeqMax) - 256;
  // Every sequence gets the whole length: llama.cpp gives each n_ctx / n_seq_max (or shares n_ctx when unified).
  const perSeq = Math.max(1, Math.min(asked === 0 && nCtxTrain > 0 ? nCtxTrain : asked, nCtxTrain > 0 ? nCtxTrain : limit, limit));
  const nCtx = perSeq * nSeqMax;
  // libllama reserves one output row per sequence within n_batch (llama_context's output_reserve asserts it), so a
  // batch smaller than the sequences aborts the process; and a batch never exceeds the cache.
  const nBatch = Math.min(Math.max(whole(options.nBatch, 512), nSeqMax), nCtx);
  const nUbatch = Math.min(Math.max(whole(options.nUbatch, nBatch), nSeqMax), nBatch);
  return { nCtx, nBatch, nUbatch, nSeqMax };
}
