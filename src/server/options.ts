/**
 * Request `options` (Ollama §1b) resolved for one request: defaults from modelfile/'s option table, then
 * OLLAMA_CONTEXT_LENGTH, then the model's params layer, then the request (later wins). Unknown and removed keys are
 * ignored; a wrong type, or a float no float32 holds (1e39, or 1e400 that JSON.parse makes Infinity), is a 400 with
 * Ollama's message (modelfile/'s `checkOptionValue`). Whole numbers of any size are accepted, as Ollama accepts them,
 * and clamped to what they can mean, so nothing reaches libllama that it cannot hold (`OPTION_LIMITS`).
 * @module
 */
import { maxThreadCount } from "../engine/mod.ts";
import { checkOptionValue, isOptionName, OPTIONS } from "../modelfile/mod.ts";

/** The resolved options a request runs with. */
export type Options = Record<string, unknown> & {
  num_ctx: number;
  num_predict: number;
  stop?: string[];
};

/** num_ctx when neither the request, the model nor OLLAMA_CONTEXT_LENGTH sets one (Ollama's CPU tier). */
export const DEFAULT_NUM_CTX = 4096;
/** Largest num_ctx accepted before clamping (far beyond what a CPU context allocates). */
const MAX_CTX = 1 << 20;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * How each whole-number option is clamped once num_ctx is known (`n`). Ollama's rules where it has them: num_ctx at
 * least 4 and at most the trained length (sched.go, llm/server.go), num_batch at least 1 (and at most num_ctx where
 * the model loads, llm/server.go). The rest keep what they mean: num_thread 0 (or less) is "auto" and more threads than CPUs is all
 * of them (ggml spins every thread at each barrier: 1,000 threads on 2 cores turn a decode into minutes); top_k 0 is
 * "off" and beyond int32 is "all tokens"; repeat_last_n -1 is "num_ctx", below that "off", beyond num_ctx num_ctx;
 * num_keep below 0 is "all", beyond num_ctx num_ctx; num_predict outside int32 (or below -2) is "no limit"; the
 * rest are int32 fields in llama.cpp. `seed` is taken modulo 2^32 by the sampler, as Go's uint32() does.
 */
const OPTION_LIMITS: Record<string, (value: number, numCtx: number) => number> = {
  // the engine caps it at num_ctx where it loads (here a smaller num_ctx would change it and force a reload)
  num_batch: (v) => clamp(v, 1, MAX_CTX),
  num_thread: (v) => (v <= 0 ? 0 : Math.min(v, maxThreadCount())),
  num_keep: (v, n) => clamp(v, -1, n),
  num_predict: (v) => (v < -2 || v > INT32_MAX ? -1 : v),
  top_k: (v) => clamp(v, 0, INT32_MAX),
  repeat_last_n: (v, n) => (v === -1 ? -1 : clamp(v, 0, n)),
  num_gpu: (v) => clamp(v, INT32_MIN, INT32_MAX),
  main_gpu: (v) => clamp(v, INT32_MIN, INT32_MAX),
  draft_num_predict: (v) => clamp(v, 0, INT32_MAX),
};

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/**
 * Merges option layers (later wins) over the defaults. `contextLength` is OLLAMA_CONTEXT_LENGTH (0: default);
 * `trainedContext` caps num_ctx when the model's is known.
 */
export function resolveOptions(
  layers: Array<Record<string, unknown> | null | undefined>,
  context: { contextLength?: number; trainedContext?: number } = {},
): Options {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(OPTIONS)) {
    if (spec.default !== undefined && !(Array.isArray(spec.default) && spec.default.length === 0)) {
      out[key] = spec.default;
    }
  }
  out.num_ctx = context.contextLength || DEFAULT_NUM_CTX;
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (!isOptionName(key)) continue;
      const checked = checkOptionValue(key, value);
      if (checked !== undefined) out[key] = checked;
    }
  }
  let numCtx = out.num_ctx as number;
  if (numCtx > MAX_CTX) numCtx = MAX_CTX;
  if (context.trainedContext && numCtx > context.trainedContext) numCtx = context.trainedContext;
  numCtx = Math.max(4, numCtx);
  out.num_ctx = numCtx;
  for (const [key, limit] of Object.entries(OPTION_LIMITS)) {
    if (typeof out[key] === "number") out[key] = limit(out[key] as number, numCtx);
  }
  return out as Options;
}
