/**
 * Messages between the main thread (model_host.ts) and an inference Worker (worker_main.ts). Plain data only:
 * they cross a structured clone. Cancellation is a SharedArrayBuffer flag, not a message, so it reaches a
 * worker that is busy in its synchronous token loop.
 * @module
 */
import type { OllamaOptions } from "./options.ts";

export interface LoadSettings {
  numCtx?: number;
  numThread?: number;
  numBatch?: number;
  /** The main context produces embeddings (an embedding model). */
  embedding?: boolean;
}

export interface ModelInfo {
  nCtx: number;
  nCtxTrain: number;
  nEmbd: number;
  nVocab: number;
  nThreads: number;
  description: string;
  chatTemplate?: string;
  cpuVariant?: string;
}

/** Figures in nanoseconds, as Ollama reports them. */
export interface Timings {
  promptEvalCount: number;
  promptEvalDuration: number;
  evalCount: number;
  evalDuration: number;
  loadDuration: number;
  totalDuration: number;
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
}

export interface CompletionDone {
  tokens: number[];
  promptTokens: number[];
  doneReason: DoneReason;
  promptEvalCount: number;
  promptEvalDuration: number;
  evalCount: number;
  evalDuration: number;
}

export interface SerializedError {
  name: string;
  message: string;
}

export type ToWorker =
  | { type: "load"; path: string; libDir: string; debugLevel: number; settings: LoadSettings }
  | { type: "complete"; id: number; request: CompletionRequest; cancel: Int32Array }
  | { type: "embed"; id: number; inputs: string[]; truncate: boolean; cancel: Int32Array }
  | { type: "tokenize"; id: number; text: string; addSpecial: boolean; parseSpecial: boolean }
  | { type: "detokenize"; id: number; tokens: number[] }
  | { type: "close" };

export type FromWorker =
  | { type: "progress"; progress: number }
  | { type: "loaded"; info: ModelInfo; loadDuration: number }
  | { type: "load_error"; error: SerializedError }
  | { type: "chunk"; id: number; text: string }
  | { type: "done"; id: number; done: CompletionDone }
  | { type: "result"; id: number; value: unknown }
  | { type: "error"; id: number; error: SerializedError }
  | { type: "closed" };
