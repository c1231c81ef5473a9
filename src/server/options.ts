/**
 * Request `options` (Ollama §1b): every known option with its type and default, merged request > Modelfile params >
 * OLLAMA_CONTEXT_LENGTH > defaults. Unknown and removed keys are ignored; a wrong type is a 400 with Ollama's
 * message; numbers for integer options are truncated as Go does; absurd sizes are clamped with a warning.
 * @module
 */
import { optionType } from "./errors.ts";

type Kind = "integer" | "float32" | "boolean" | "array";

/** Known options, their wire type and default (undefined: unset, the engine decides). */
export const OPTION_TABLE: Record<string, { kind: Kind; default?: unknown }> = {
  num_ctx: { kind: "integer", default: 4096 },
  num_batch: { kind: "integer", default: 512 },
  num_gpu: { kind: "integer", default: -1 },
  main_gpu: { kind: "integer" },
  use_mmap: { kind: "boolean" },
  num_thread: { kind: "integer", default: 0 },
  draft_num_predict: { kind: "integer", default: 0 },
  num_keep: { kind: "integer", default: 4 },
  seed: { kind: "integer", default: -1 },
  num_predict: { kind: "integer", default: -1 },
  top_k: { kind: "integer", default: 40 },
  top_p: { kind: "float32", default: 0.9 },
  min_p: { kind: "float32", default: 0 },
  typical_p: { kind: "float32", default: 1 },
  repeat_last_n: { kind: "integer", default: 64 },
  temperature: { kind: "float32", default: 0.8 },
  repeat_penalty: { kind: "float32", default: 1 },
  presence_penalty: { kind: "float32", default: 0 },
  frequency_penalty: { kind: "float32", default: 0 },
  stop: { kind: "array" },
};

/** The resolved options a request runs with. */
export type Options = Record<string, unknown> & {
  num_ctx: number;
  num_predict: number;
  stop?: string[];
};

/** Largest num_ctx accepted before clamping (llama.cpp's own contexts stop far below). */
const MAX_CTX = 1 << 20;

function check(key: string, value: unknown): unknown {
  const spec = OPTION_TABLE[key];
  switch (spec.kind) {
    case "integer":
      if (typeof value !== "number" || !Number.isFinite(value)) throw optionType(key, "integer");
      return Math.trunc(value);
    case "float32":
      if (typeof value !== "number" || !Number.isFinite(value)) throw optionType(key, "float32");
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw optionType(key, "boolean");
      return value;
    case "array":
      if (!Array.isArray(value) || value.some((s) => typeof s !== "string")) throw optionType(key, "array");
      return value;
  }
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
  for (const [key, spec] of Object.entries(OPTION_TABLE)) if (spec.default !== undefined) out[key] = spec.default;
  if (context.contextLength) out.num_ctx = context.contextLength;
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (!(key in OPTION_TABLE) || value === null || value === undefined) continue;
      out[key] = check(key, value);
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
