/**
 * How much memory a model takes once loaded, from its GGUF header alone (Ollama's llm/memory.go estimate and the
 * fs/ggml GraphSize it rests on): the weights, the KV cache for num_ctx × num_parallel tokens at the KV type, the
 * compute graph, and the projector. The header must be the one libllama loads (a published-Ollama file's
 * translated view). Where this differs from Ollama's CPU figure, it is because libllama on the CPU keeps all of it
 * in system memory: every tensor is counted (Ollama leaves out token_embd beside an output matrix, and tensors
 * outside the layers) and the graph is counted (Ollama adds it to GPUs only).
 * @module
 */
import type { GgufFile } from "../gguf/mod.ts";

export interface EstimateOptions {
  /** Tokens per request (num_ctx), capped at the trained length as the engine caps it. */
  numCtx: number;
  /** Requests decoded together (each gets num_ctx tokens of cache). Default 1. */
  numParallel?: number;
  /** num_batch; the graph is sized for min(num_ctx, num_batch) tokens at once. Default 512. */
  numBatch?: number;
  /** OLLAMA_KV_CACHE_TYPE: f16 (default), q8_0, q4_0; f32. As in Ollama, it applies only with flash attention. */
  kvCacheType?: string;
  /**
   * Flash attention on, off, or "auto": on where the model supports it (Ollama's SupportsFlashAttention), which is
   * what libllama's default does on the CPU. Default off.
   */
  flashAttention?: boolean | "auto";
  /** Headers of the projector files loaded with the model (their weights count). */
  projectors?: GgufFile[];
  /** More projector bytes: a published file's own vision tower, which libmtmd loads from its translation. */
  projectorBytes?: number;
}

export interface MemoryEstimate {
  /** Every tensor of the model. */
  weights: number;
  /** The KV cache (recurrent state for recurrent layers). */
  kv: number;
  /** The compute graph's buffer. */
  graph: number;
  /** Projector weights. */
  projector: number;
  /** All of the above: what /api/ps shows as `size`. */
  total: number;
  /**
   * Bytes of each repeating layer (its weights and its cache), then the output layer (output_norm with output, or
   * token_embd when tied) last: what moves to another device with the layer (RPC placement).
   */
  layers: number[];
  /** The tokens of cache per sequence the estimate assumed (num_ctx after the trained-length cap). */
  numCtx: number;
}

/** Bytes per cached element for a KV type (Ollama's kvCacheBytesPerElement; q8_0 and q4_0 with their scales). */
export function kvBytesPerElement(type: string): number {
  switch (type.toLowerCase()) {
    case "q8_0":
      return 1;
    case "q4_0":
      return 0.5;
    case "f32":
      return 4;
    default:
      return 2;
  }
}

/** Layers that keep only a sliding window of cache: every layer but each `pattern`-th (llama.cpp's swa pattern). */
const SWA_PATTERN: Record<string, number> = { gemma2: 2, gemma3: 6, "gpt-oss": 2, gptoss: 2 };

/** The memory `gguf` takes loaded with `options` (see the module note). */
export function estimateMemory(gguf: GgufFile, options: EstimateOptions): MemoryEstimate {
  const h = hyperParameters(gguf);
  const parallel = Math.max(1, Math.trunc(options.numParallel ?? 1));
  const numCtx = Math.max(1, h.contextLength > 0 ? Math.min(options.numCtx, h.contextLength) : options.numCtx);
  const batch = Math.min(numCtx, options.numBatch ?? 512);
  const context = numCtx * parallel;
  const flashAttention = options.flashAttention === "auto" ? supportsFlashAttention(gguf, h) : options.flashAttention ?? false;
  const kvType = flashAttention ? options.kvCacheType ?? "f16" : "f16";
  const perElement = kvBytesPerElement(kvType);

  const kv: number[] = [];
  const window = h.slidingWindow > 0 && SWA_PATTERN[h.arch] ? Math.min(context, parallel * h.slidingWindow + batch) : 0;
  for (let i = 0; i < h.blockCount; i++) {
    if (h.heads[i] > 0 && h.headsKV[i] > 0) {
      const cells = window && (i + 1) % SWA_PATTERN[h.arch] !== 0 ? window : context;
      kv.push(Math.floor(cells * (h.keyLength + h.valueLength) * h.headsKV[i] * perElement));
    } else {
      // a recurrent layer's state, always f32 in libllama (conv window and SSM state per sequence)
      const conv = h.ssm.convKernel > 0 ? (h.ssm.convKernel - 1) * (h.ssm.innerSize + 2 * h.ssm.groupCount * h.ssm.stateSize) : 0;
      kv.push((conv + h.ssm.stateSize * h.ssm.innerSize) * 4 * parallel);
    }
  }
  const kvTotal = kv.reduce((a, b) => a + b, 0);

  const layerWeights = new Map<string, number>();
  let weights = 0;
  for (const tensor of gguf.tensors) {
    weights += tensor.size;
    const group = /^(blk\.\d+)\./.exec(tensor.name)?.[1] ?? tensor.name.replace(/\.(weight|bias)$/, "");
    layerWeights.set(group, (layerWeights.get(group) ?? 0) + tensor.size);
  }
  const layers = kv.map((bytes, i) => bytes + (layerWeights.get(`blk.${i}`) ?? 0));
  const output = layerWeights.get("output") ?? layerWeights.get("token_embd") ?? 0;
  layers.push((layerWeights.get("output_norm") ?? 0) + output);

  const graph = graphSize(gguf, h, { batch, context, parallel, kvTotal, flashAttention });
  const projector = (options.projectors ?? []).reduce((sum, p) => sum + p.tensors.reduce((s, t) => s + t.size, 0), 0) +
    (options.projectorBytes ?? 0);
  return { weights, kv: kvTotal, graph, projector, total: weights + kvTotal + graph + projector, layers, numCtx };
}

/** More layers than any model has; a header claiming more is damaged. Read headers with arrays this long kept. */
export const MAX_LAYERS = 4096;

interface HyperParameters {
  arch: string;
  blockCount: number;
  contextLength: number;
  embedding: number;
  vocab: number;
  heads: number[];
  headsKV: number[];
  keyLength: number;
  valueLength: number;
  slidingWindow: number;
  ssm: { convKernel: number; innerSize: number; stateSize: number; groupCount: number };
}

/** The header's dimensions as libllama reads them (a missing head_count_kv is head_count: no grouping). */
function hyperParameters(gguf: GgufFile): HyperParameters {
  const meta = gguf.metadata;
  const arch = String(meta["general.architecture"] ?? "");
  const num = (key: string, fallback = 0): number => {
    const value = Number(meta[`${arch}.${key}`]);
    return Number.isFinite(value) ? value : fallback;
  };
  const blockCount = num("block_count");
  // a damaged header must not make the estimate allocate per-layer arrays of billions (the load reports the file)
  if (!Number.isInteger(blockCount) || blockCount < 0 || blockCount > MAX_LAYERS) {
    throw new RangeError(`${arch}.block_count ${blockCount} is not a layer count`);
  }
  const perLayer = (key: string, fallback: number[]): number[] => {
    const value = meta[`${arch}.${key}`];
    if (value === undefined) return fallback;
    if (gguf.skippedArrays[`${arch}.${key}`] !== undefined) throw new RangeError(`${arch}.${key} was not read from the header`);
    const list = (Array.isArray(value) ? value : [value]).map(Number);
    return Array.from({ length: blockCount }, (_, i) => list.length === 1 ? list[0] : list[i] ?? list.at(-1) ?? 0);
  };
  const heads = perLayer("attention.head_count", Array(blockCount).fill(1));
  const headsKV = perLayer("attention.head_count_kv", heads);
  const embedding = num("embedding_length");
  const minHeads = Math.min(...heads.filter((n) => n > 0), Infinity);
  const headDim = Number.isFinite(minHeads) ? Math.floor(embedding / minHeads) : 0;
  const tokens = meta["tokenizer.ggml.tokens"];
  return {
    arch,
    blockCount,
    contextLength: num("context_length"),
    embedding,
    vocab: gguf.skippedArrays["tokenizer.ggml.tokens"] ?? (Array.isArray(tokens) ? tokens.length : 0),
    heads,
    headsKV,
    keyLength: num("attention.key_length", headDim),
    valueLength: num("attention.value_length", headDim),
    slidingWindow: num("attention.sliding_window"),
    ssm: {
      convKernel: num("ssm.conv_kernel"),
      innerSize: num("ssm.inner_size"),
      stateSize: num("ssm.state_size"),
      groupCount: num("ssm.group_count"),
    },
  };
}

/** Ollama's SupportsFlashAttention: not an embedding model, not gemma2, and keys and values of one nonzero head size. */
function supportsFlashAttention(gguf: GgufFile, h: HyperParameters): boolean {
  if (`${h.arch}.pooling_type` in gguf.metadata || h.arch === "gemma2") return false;
  return h.keyLength > 0 && h.keyLength === h.valueLength;
}

/**
 * The compute graph of one batch on one device (Ollama's GraphSize "full offload" figures, which are what a CPU
 * holds: the whole graph on the one device). Architectures without a figure of their own get Ollama's default,
 * a sixth of the KV cache times the query groups.
 */
function graphSize(
  gguf: GgufFile,
  h: HyperParameters,
  o: { batch: number; context: number; parallel: number; kvTotal: number; flashAttention: boolean },
): number {
  const { batch: b, context: c } = o;
  const e = h.embedding;
  const v = h.vocab;
  const heads = Math.max(...h.heads, 1);
  const headsKV = Math.max(...h.headsKV, 1);
  const attentionKV = h.headsKV.filter((n) => n > 0);
  const minKV = attentionKV.length ? Math.min(...attentionKV) : 1;
  const eh = h.keyLength;
  const logits = 4 * b * (e + v);
  // With flash attention no context × batch × heads score matrix is made: the batch's logits are the peak (Ollama's
  // "vocab graph" term; measured on libllama's CPU backend: 64.0 MiB estimated, 65.5 MiB allocated for a 12-layer
  // 768-wide model at 8192 cells). gpt-oss keeps Ollama's own figure.
  if (o.flashAttention && h.arch !== "gptoss" && h.arch !== "gpt-oss") return logits;
  switch (h.arch) {
    case "llama":
    case "llama4":
      return Math.max(4 * b * (1 + 4 * e + c * (1 + heads)), logits);
    case "gemma":
    case "gemma2":
    case "gemma3":
    case "gemma3n": {
      const full = Math.max(logits, 4 * b * (2 + c + c * heads + 2 * e + 2 * eh * heads));
      return h.arch === "gemma3n" ? full * 4 : full;
    }
    case "command-r":
      return Math.max(logits, 4 * b * (2 + 4 * e + c * (1 + heads)));
    case "qwen2":
      return Math.max(logits, 4 * b * (1 + 2 * e + c + c * heads));
    case "phi2":
      return Math.max(logits, 4 * b * (1 + 4 * e + c + c * heads));
    case "stablelm":
      return Math.max(4 * b * (v + 2 * e), 4 * b * (c * (1 + heads) + 3 * e + 2));
    case "deepseek2":
      return Math.max(4 * b * (3 * e + v), 4 * b * (3 * e + 2 + c * (1 + headsKV) + 2 * eh * headsKV));
    case "chatglm": {
      const bias = gguf.tensors.find((t) => t.name === "blk.0.attn_qkv.bias");
      const plain = 4 * b * (e + v);
      return bias ? Math.max(plain, 4 * b * (2 + 2 * e + c + c * heads + eh * heads + bias.shape[0])) : plain;
    }
    case "gptoss":
    case "gpt-oss":
      // with flash attention the graph no longer grows with the KV cache (Ollama's rough figure)
      return o.flashAttention ? (4 * o.parallel + (c >> 10) + 110) * 1024 * 1024 : Math.floor(Math.floor(2 * heads / minKV) * o.kvTotal / 6);
    default:
      return Math.floor(Math.floor(heads / minKV) * o.kvTotal / 6);
  }
}
