/**
 * The scheduler's memory budget over the real machine: each model's estimate from its header as libllama will
 * load it (a published-Ollama blob's translated view), and the memory there is: this machine's free memory
 * (TOLLAMA_MEMORY_LIMIT caps it), plus what the RPC workers of OLLAMA_RPC_SERVERS report free.
 * @module
 */
import { readTranslatedGguf } from "../compat/mod.ts";
import { config } from "../config.ts";
import { readGguf } from "../gguf/mod.ts";
import { runtime } from "../runtime/mod.ts";
import { kvCacheSettings } from "./kv_cache_settings.ts";
import { estimateMemory, MAX_LAYERS, type MemoryEstimate } from "./memory_estimate.ts";
import { rpcWorkersMemory } from "./rpc_memory.ts";
import type { LoadSpec, MemoryBudget } from "./scheduler.ts";

/** This machine's free and total bytes for models: what the system reports, capped at TOLLAMA_MEMORY_LIMIT. */
export function localMemory(): { free: number; total: number } {
  const system = runtime.systemMemory();
  const limit = config.memoryLimit();
  return limit > 0 ? { free: Math.min(system.free, limit), total: Math.min(system.total, limit) } : system;
}

/** What `spec` takes loaded with `numParallel` sequences (the engine's num_ctx and batch rules). */
export async function estimateSpec(spec: LoadSpec, numParallel: number): Promise<MemoryEstimate> {
  // per-layer arrays (head counts) kept, a vocabulary skipped
  const gguf = await readTranslatedGguf(spec.modelPath, { maxArrayElements: MAX_LAYERS });
  const projectors = await Promise.all((spec.projectors ?? []).map((path) => readGguf(path, { maxArrayElements: 0 })));
  // a published file's vision tower is hidden from the text model and loaded as a projector of its own (the engine
  // does so when no projector layer is given): its weights count, as Ollama counts a model's v.* tensors
  let projectorBytes = 0;
  if (projectors.length === 0) {
    const raw = await readGguf(spec.modelPath, { maxArrayElements: 0 });
    const seen = new Set(gguf.tensors.map((t) => t.name));
    for (const t of raw.tensors) if (/^(v|mm)\./.test(t.name) && !seen.has(t.name)) projectorBytes += t.size;
  }
  // as the engine reads num_ctx: none is 4096, 0 the trained length (the estimate caps at the trained length)
  const numCtx = (spec.options.num_ctx ?? 4096) || Number.MAX_SAFE_INTEGER;
  const cache = kvCacheSettings();
  return estimateMemory(gguf, {
    numCtx,
    numParallel,
    numBatch: spec.options.num_batch,
    // as the engine makes its context (kv_cache_settings.ts); auto turns flash attention on on the CPU where the
    // model allows it
    kvCacheType: cache.kvTypeName,
    flashAttention: cache.flashAttn === -1 ? "auto" : cache.flashAttn === 1,
    projectors,
    projectorBytes,
  });
}

/** The budget `serve` gives its scheduler; `parallel` is the sequences each model is loaded with. */
export function systemMemoryBudget(parallel: (spec: LoadSpec) => number): MemoryBudget {
  return {
    estimate: (spec) => estimateSpec(spec, parallel(spec)),
    async available() {
      const local = localMemory();
      const endpoints = config.rpcServers();
      if (endpoints.length === 0) return local;
      const remote = await rpcWorkersMemory(endpoints);
      return { free: local.free + remote.free, total: local.total + remote.total };
    },
  };
}
