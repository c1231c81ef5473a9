/**
 * Messages between the main thread (model_host.ts) and an inference Worker (worker_main.ts). Plain data only:
 * they cross a structured clone. Cancellation is a SharedArrayBuffer flag, not a message, so it reaches a
 * worker that is busy in its synchronous token loop. `inbox` (shared too) counts messages posted and not yet
 * received: the worker's batch loop looks at it between steps and yields to its event loop only when it is
 * non-zero, so new requests join the batch without a per-step yield.
 * @module
 */
import type { OllamaOptions } from "./options.ts";
import type { TokenLogprob } from "./logprobs.ts";

export type { TokenLogprob };

export interface LoadSettings {
  /** Context length (default 4096, capped at the model's trained length). */
  numCtx?: number;
  /** Threads (default: the physical cores available). */
  numThread?: number;
  /** Tokens per decode call during prompt processing (default 512). */
  numBatch?: number;
  /** Load as an embedding model (the main context produces embeddings). */
  embedding?: boolean;
  /** Requests decoded at once, each with `numCtx` tokens of context (default OLLAMA_NUM_PARALLEL, 4). */
  numParallel?: number;
  /**
   * One KV buffer for all parallel requests (llama.cpp's kv_unified; default false: each request attends over
   * its own stream, which is faster once several slots hold cached prompts).
   */
  kvUnified?: boolean;
  /** OLLAMA_FLASH_ATTENTION / OLLAMA_KV_CACHE_TYPE (kv_cache_settings.ts): -1 auto, 0 off, 1 on; a ggml type. */
  flashAttn?: number;
  kvType?: number;
  /** GGUF LoRA adapters applied at scale 1, in order (part of the runner's identity: see the scheduler's key). */
  adapters?: string[];
  /** A vision projector (mmproj GGUF) loaded with libmtmd: requests may then carry images. */
  projector?: string;
  /**
   * RPC workers to split the model across (OLLAMA_RPC_SERVERS, checked by the main thread: rpc_head.ts):
   * `endpoints` as written, `keys` as ggml is to see them.
   */
  rpc?: { endpoints: string[]; keys: string[] };
}

/** Where part of a model lives: this machine's CPU or a worker's device, and how many layers (output counted). */
export interface DevicePlacement {
  name: string;
  description: string;
  /** host:port of the RPC worker; absent for this machine. */
  endpoint?: string;
  layers: number;
}

export interface ModelInfo {
  /** Context length of one request (the KV cache holds nCtx × nParallel). */
  nCtx: number;
  /** Requests decoded at once. */
  nParallel: number;
  nCtxTrain: number;
  nEmbd: number;
  nVocab: number;
  nThreads: number;
  description: string;
  chatTemplate?: string;
  cpuVariant?: string;
  /** Bytes of the f16 KV cache: cells (nCtx × nParallel) × nLayer × (nEmbdKGqa + nEmbdVGqa) × 2. */
  kvCacheBytes: number;
  /** With RPC workers: the devices the model's layers are on. */
  devices?: DevicePlacement[];
}

/** Figures in nanoseconds, as Ollama reports them. */
export interface Timings {
  promptEvalCount: number;
  promptEvalDuration: number;
  evalCount: number;
  evalDuration: number;
  loadDuration: number;
  totalDuration: number;
  /** Prompt tokens reused from the KV cache (not in promptEvalCount). */
  cachedTokens: number;
}

export type DoneReason = "stop" | "length";

export interface CompletionRequest {
  /** Text, or token ids used as they are (no template, no tokenization). */
  prompt: string | number[];
  /** Tokenize the prompt as is (no template). */
  raw?: boolean;
  /** With raw text: add BOS/EOS as the model asks (llama.cpp's add_special). Default true. */
  addSpecial?: boolean;
  options?: OllamaOptions;
  /** A GBNF grammar constraining the output. */
  grammar?: string;
  /** Context shift: a too-long prompt is cut in the middle and generation goes on past the context. Default true. */
  shift?: boolean;
  /** false: a too-long prompt is an error even with shift on. Default true. */
  truncate?: boolean;
  /** Log-probability of each generated token, from the raw logits (default false: nothing computed). */
  logprobs?: boolean;
  /** With `logprobs`: also the N most likely tokens of each step (0..20). */
  topLogprobs?: number;
  /**
   * Image files (PNG, JPEG, BMP, GIF bytes) for a model with a projector: `[img-N]` in the text prompt marks where
   * image N goes; images it does not place go before the text.
   */
  images?: Uint8Array[];
  /** Caps the model's thinking at `tokens` tokens, then writes the format's closing text in its place. */
  thinkingBudget?: ThinkingBudget;
  /**
   * false: the worker keeps the text and sends it as one chunk just before `done` (or the error). A caller that
   * answers only once the whole text is there (a `stream: false` request) spares the main thread a message per
   * token, whose handling takes a core from the decode. Default true: a chunk per piece of text.
   */
  stream?: boolean;
}

/**
 * A thinking budget (Anthropic's `budget_tokens`): once the output's thinking holds `tokens` tokens, the tokens of
 * `closeText` are decoded next instead of sampled, and generation goes on with the answer.
 */
export interface ThinkingBudget {
  tokens: number;
  /** The texts that open thinking (a block the output opens itself), and those that close it (the model did). */
  open: readonly string[];
  close: readonly string[];
  /** What ends thinking when the budget is spent (`</think>`; harmony's end of analysis and final channel's header). */
  closeText: string;
  /** The prompt opened the block: output starts inside thinking. */
  startsInside: boolean;
}

export interface CompletionDone {
  tokens: number[];
  promptTokens: number[];
  doneReason: DoneReason;
  /** The stop sequence that ended generation (doneReason "stop"), absent when the model ended it. */
  stopSequence?: string;
  promptEvalCount: number;
  promptEvalDuration: number;
  evalCount: number;
  evalDuration: number;
  /** Prompt tokens reused from the KV cache (prefix cache); promptEvalCount counts only the computed rest. */
  cachedTokens: number;
  /** Prompt tokens dropped from the middle to fit the context (0 when none). */
  truncated: number;
}

export interface SerializedError {
  name: string;
  message: string;
  /** The HTTP status the error maps to (ContextLengthError: 400), kept across the worker boundary. */
  status?: number;
}

export type ToWorker =
  // `cancel` set: stop the load (libllama's progress callback returns false) and free what was made.
  | { type: "load"; path: string; libDir: string; debugLevel: number; settings: LoadSettings; inbox: Int32Array; cancel: Int32Array }
  | { type: "complete"; id: number; request: CompletionRequest; cancel: Int32Array }
  | { type: "embed"; id: number; inputs: string[]; truncate: boolean; cancel: Int32Array }
  | { type: "tokenize"; id: number; text: string; addSpecial: boolean; parseSpecial: boolean }
  | { type: "detokenize"; id: number; tokens: number[] }
  | { type: "close" };

export type FromWorker =
  | { type: "progress"; progress: number }
  | { type: "loaded"; info: ModelInfo; loadDuration: number }
  | { type: "load_error"; error: SerializedError }
  | { type: "chunk"; id: number; text: string; logprobs?: TokenLogprob[] }
  | { type: "done"; id: number; done: CompletionDone }
  | { type: "result"; id: number; value: unknown }
  | { type: "error"; id: number; error: SerializedError }
  | { type: "closed" };
