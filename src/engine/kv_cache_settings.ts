/**
 * OLLAMA_FLASH_ATTENTION and OLLAMA_KV_CACHE_TYPE as the context sees them. As in Ollama: flash attention is auto
 * unless set (1/true on, 0/false off); the KV cache is f16 unless a quantized type is asked for, which needs flash
 * attention (libllama refuses a quantized V cache without it), so with flash attention off it stays f16.
 * @module
 */
import { config } from "../config.ts";

/** The cache types Ollama accepts, as ggml type ids (ggml.h's enum ggml_type). */
const KV_TYPES: Readonly<Record<string, number>> = { f32: 0, f16: 1, q4_0: 2, q8_0: 8, bf16: 30 };
const QUANTIZED = new Set(["q4_0", "q8_0"]);

export interface KvCacheSettings {
  /** -1 auto, 0 off, 1 on (llama_context_params.flash_attn_type). */
  flashAttn: number;
  /** ggml type of the K and V caches. */
  kvType: number;
  /** The cache type's name ("f16", "q8_0"…), for the memory estimate. */
  kvTypeName: string;
  /** What was asked and not taken (an unknown type, a quantized cache with flash attention off), for the log. */
  warning?: string;
}

/** Reads the two variables; never throws (a bad value falls back to the default and says so). */
export function kvCacheSettings(): KvCacheSettings {
  const fa = config.flashAttention().trim().toLowerCase();
  const flashAttn = ["1", "true", "on", "yes"].includes(fa) ? 1 : ["0", "false", "off", "no"].includes(fa) ? 0 : -1;
  const asked = config.kvCacheType().trim().toLowerCase() || "f16";
  if (!(asked in KV_TYPES)) {
    return { flashAttn, kvType: KV_TYPES.f16, kvTypeName: "f16", warning: `unsupported OLLAMA_KV_CACHE_TYPE '${asked}': using f16` };
  }
  if (QUANTIZED.has(asked) && flashAttn === 0) {
    return {
      flashAttn,
      kvType: KV_TYPES.f16,
      kvTypeName: "f16",
      warning: `OLLAMA_KV_CACHE_TYPE ${asked} needs flash attention, which OLLAMA_FLASH_ATTENTION turns off: using f16`,
    };
  }
  return { flashAttn, kvType: KV_TYPES[asked], kvTypeName: asked };
}
