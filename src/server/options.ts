/**
 * Request `options` (Ollama §1b) resolved for one request: defaults from modelfile/'s option table, then
 * OLLAMA_CONTEXT_LENGTH, then the model's params layer, then the request (later wins). Unknown and removed keys are
 * ignored; a wrong type is a 400 with Ollama's message (modelfile/'s `checkOptionValue`); absurd sizes are clamped
 * (num_ctx to the model's trained context and to 2^20, num_predict beyond int32 to "no limit").
 * @module
 */
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
  out.num_ctx = Math.max(4, numCtx);
  const numPredict = out.num_predict as number;
  if (numPredict < -2 || numPredict > 2 ** 31 - 1) out.num_predict = -1;
  return out as Options;
}
