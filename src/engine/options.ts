/**
 * Ollama's runtime options (the `options` object of /api/generate and /api/chat) and how they map onto
 * the llama layer. Defaults are Ollama's (api/types.go DefaultOptions; see ollama-reference.md §1b).
 * @module
 */
import type { SamplingOptions } from "../llama/mod.ts";

/** The most threads a model may use (the CPUs this process may run on); num_thread is capped here. */
export { maxThreadCount } from "../llama/mod.ts";

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

/** The largest value of a C `int32_t` (top_k and the penalties' window are int32 in libllama's sampler API). */
const INT32_MAX = 2 ** 31 - 1;

/**
 * The sampler settings for a request, each in a range libllama holds: top_k a whole number, 0 (off) to int32's
 * largest (Deno's FFI throws and Bun's wraps past it); repeat_last_n -1 (the context) or 0 to the context length
 * `nCtx` (libllama allocates a ring buffer of that many tokens up front: 2^31 of them is 8 GiB); repeat_penalty
 * above 0 (else off); a float that is not finite falls back to its default.
 */
export function samplingOptions(options: OllamaOptions = {}, grammar?: string, nCtx?: number): SamplingOptions {
  const o = { ...DEFAULT_OPTIONS, ...stripUndefined(options) };
  const float = (value: number, fallback: number) => Number.isFinite(value) ? value : fallback;
  const window = nCtx !== undefined && nCtx > 0 ? Math.min(nCtx, INT32_MAX) : INT32_MAX;
  const lastN = Math.trunc(o.repeat_last_n);
  return {
    temperature: float(o.temperature, DEFAULT_OPTIONS.temperature),
    topK: Math.min(Math.max(Math.trunc(o.top_k) || 0, 0), INT32_MAX),
    topP: float(o.top_p, DEFAULT_OPTIONS.top_p),
    minP: float(o.min_p, DEFAULT_OPTIONS.min_p),
    typicalP: float(o.typical_p, DEFAULT_OPTIONS.typical_p),
    repeatLastN: lastN === -1 ? (nCtx !== undefined && nCtx > 0 ? window : -1) : Math.min(Math.max(lastN || 0, 0), window),
    // libllama wants it > 0 (it divides positive logits by it): 0 or less turns the penalty off, as 1 does
    repeatPenalty: o.repeat_penalty > 0 && Number.isFinite(o.repeat_penalty) ? o.repeat_penalty : 1,
    presencePenalty: float(o.presence_penalty, DEFAULT_OPTIONS.presence_penalty),
    frequencyPenalty: float(o.frequency_penalty, DEFAULT_OPTIONS.frequency_penalty),
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
