/**
 * Quantizing a GGUF file with libllama's own `llama_model_quantize`, so a file we make equals the one llama.cpp's
 * `llama-quantize` makes from the same input. The call is synchronous and takes seconds to minutes: run it in a
 * Worker (src/modelfile/quantize.ts does).
 * @module
 */
import type { Llama } from "./backend.ts";
import { writeField } from "./check_layout.ts";
import { cstr } from "./strings.ts";

/**
 * Quantization names as Ollama and llama-quantize spell them (upper-cased) → `enum llama_ftype` (include/llama.h).
 * `Q4_K`, `Q5_K` and `Q3_K` are llama-quantize's aliases of the `_M` mixes.
 */
export const LLAMA_FTYPE: Readonly<Record<string, number>> = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q8_0: 7,
  Q5_0: 8,
  Q5_1: 9,
  Q2_K: 10,
  Q3_K_S: 11,
  Q3_K_M: 12,
  Q3_K: 12,
  Q3_K_L: 13,
  Q4_K_S: 14,
  Q4_K_M: 15,
  Q4_K: 15,
  Q5_K_S: 16,
  Q5_K_M: 17,
  Q5_K: 17,
  Q6_K: 18,
  BF16: 32,
};

/** `llama_model_quantize` returned an error (its reason is in libllama's log: `failed to quantize: ...`). */
export class QuantizeError extends Error {
  constructor(input: string, reason = "see the log") {
    super(`quantizing ${input} failed: ${reason}`);
    this.name = "QuantizeError";
  }
}

export interface QuantizeFileOptions {
  /** A `LLAMA_FTYPE` value. */
  ftype: number;
  /** Threads (libllama uses every hardware thread for 0). */
  nthread: number;
}

/**
 * The params image `llama_model_quantize` gets: the library's defaults with `ftype` and `nthread` set. Kept
 * separate so a test can hand C the very same values.
 */
export function quantizeParams(llama: Llama, options: QuantizeFileOptions): Uint8Array {
  const params = llama.ffi.fn.llama_model_quantize_default_params();
  writeField(params, "llama_model_quantize_params", "ftype", options.ftype);
  writeField(params, "llama_model_quantize_params", "nthread", options.nthread);
  return params;
}

/** Writes `output`, a quantized copy of the GGUF `input`. Blocks the calling thread until done; QuantizeError on failure. */
export function quantizeFile(llama: Llama, input: string, output: string, options: QuantizeFileOptions): void {
  const params = quantizeParams(llama, options);
  const rc = llama.ffi.fn.llama_model_quantize(cstr(input), cstr(output), params);
  if (rc !== 0) throw new QuantizeError(input);
}
