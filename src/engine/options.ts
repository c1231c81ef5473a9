/**
 * Ollama's runtime options (the `options` object of /api/generate and /api/chat) and how they map onto
 * the llama layer. Defaults are Ollama's (api/types.go DefaultOptions; see ollama-reference.md §1b).
 * @module
 */
import type { SamplingOptions } from "../llama/mod.ts";

/** Ollama's options, snake_case as on the wire. Load-time ones (num_ctx, num_thread, num_batch) apply at load. */
export interface OllamaOptions {
  num_predict?: number;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  min_p?: number;
  typical_p?: number;
  repeat_last_n?: number;
  repeat_penalty?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  seed?: number;
  stop?: string[] | string;
  num_ctx?: number;
  num_thread?: number;
  num_batch?: number;
  num_keep?: number;
  /** A GBNF grammar constraining the output (tollama extension; the server turns `format` JSON schemas into one). */
  grammar?: string;
}

/** Ollama's defaults for the options the token loop reads. */
export const DEFAULT_OPTIONS = {
  num_predict: -1,
  temperature: 0.8,
  top_k: 40,
  top_p: 0.9,
  min_p: 0,
  typical_p: 1,
  repeat_last_n: 64,
  repeat_penalty: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
  seed: -1,
  num_keep: 4,
} as const;

/** The sampler settings for a request. */
export function samplingOptions(options: OllamaOptions = {}, grammar?: string): SamplingOptions {
  const o = { ...DEFAULT_OPTIONS, ...stripUndefined(options) };
  return {
    temperature: o.temperature,
    topK: o.top_k,
    topP: o.top_p,
    minP: o.min_p,
    typicalP: o.typical_p,
    repeatLastN: o.repeat_last_n,
    repeatPenalty: o.repeat_penalty,
    presencePenalty: o.presence_penalty,
    frequencyPenalty: o.frequency_penalty,
    seed: o.seed,
    grammar: grammar ?? options.grammar,
  };
}

/** Stop sequences as a list (Ollama accepts a string or an array); empty strings dropped. */
export function stopSequences(options: OllamaOptions = {}): string[] {
  const stop = options.stop;
  const list = stop === undefined ? [] : Array.isArray(stop) ? stop : [stop];
  return list.filter((s) => typeof s === "string" && s.length > 0);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
