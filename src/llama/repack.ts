/**
 * The CPU's weight layouts for a model built from a header (`Model.fromUser`, the no-copy route of published-Ollama
 * files).
 *
 * A model loaded from a file puts each matrix weight the CPU's faster kernels can take into one of ggml-cpu's extra
 * buffer types, which rearrange the bytes as they arrive: `AMX` (Intel AMX tiles: Q4_0, Q4_1, Q8_0, K-quants,
 * IQ4_XS, F16) first, then `CPU_REPACK` (interleaved blocks: Q4_0, Q4_K, MXFP4, IQ4_NL... on AVX2; Q8_0 on ARM).
 * On a Sapphire Rapids core a Q4_0 prompt runs about 1.8x and a token 1.2-1.4x faster that way than through the
 * generic kernels. `llama_model_init_from_user` turns the extra buffer types off (its callback could write a tensor
 * in pieces, and these take a tensor whole), so this module puts them back through the one door libllama leaves open:
 * `tensor_buft_overrides`, naming the weights that go to each.
 *
 * Which weights: the ones llama.cpp's file loader would move, decided the same way, in the same order (AMX, then
 * CPU_REPACK). A weight qualifies when its op is a matrix multiplication (llama-arch.cpp's table: the names below;
 * `_exps` ones are MUL_MAT_ID over 3 dimensions, the rest MUL_MAT over 2) and the buffer type takes it:
 * - AMX: MUL_MAT only; ggml's amx.cpp `supports_op` is arithmetic on the type and shape, restated here.
 * - CPU_REPACK: ggml's own answer. One tensor of each distinct (type, row count) is placed in a CPU_REPACK buffer
 *   (allocated, never touched), whose `init_tensor` attaches a kernel (`tensor->extra`) or leaves NULL. Writing a
 *   tensor that got no kernel would crash, so this is asked, not guessed.
 * Anything else stays in the plain CPU buffer, as before.
 * @module
 */
import { encodeGgufHeader, GGML_TYPE } from "../gguf/mod.ts";
import type { Llama } from "./backend.ts";
import type { Pointer } from "./ffi/types.ts";
import { GGML_TENSOR_EXTRA } from "./ffi/symbols.ts";
import { packCStrings } from "./strings.ts";

/** A weight as the header declares it. */
export interface WeightShape {
  readonly name: string;
  /** ggml type id. */
  readonly type: number;
  /** Dimensions, ne0 first. */
  readonly shape: readonly number[];
}

/** A `tensor_buft_overrides` table for llama_model_params, and the memory it points into (keep both alive). */
export interface RepackOverrides {
  /** {const char * pattern, ggml_backend_buffer_type_t buft} pairs, ending with {NULL, NULL}. */
  readonly table: BigUint64Array;
  readonly strings: Uint8Array;
  /** Each weight moved, and the name of the buffer type it goes to (AMX or CPU_REPACK). */
  readonly placed: ReadonlyMap<string, string>;
}

/** ggml-cpu's extra buffer types this module fills, by the names they register. */
export const CPU_REPACK = "CPU_REPACK";
export const AMX = "AMX";
/** Buffer types that rearrange a weight as it is written, so take it whole (one ggml_backend_tensor_set). */
export const WHOLE_TENSOR_BUFFERS: ReadonlySet<string> = new Set([CPU_REPACK, AMX]);

/**
 * Weights whose op in llama.cpp's tensor table is a matrix multiplication (blk.N.<name>.weight), the ones models
 * of the compat families carry. Others stay where they are: a tensor left out only misses the faster kernel.
 */
const MUL_MAT_WEIGHTS = new Set([
  "attn_q", "attn_k", "attn_v", "attn_qkv", "attn_output", "attn_gate", "attn_q_a", "attn_q_b", "attn_kv_a_mqa",
  "attn_kv_b", "attn_k_b", "attn_v_b", "ffn_gate", "ffn_up", "ffn_down", "ffn_gate_shexp", "ffn_up_shexp",
  "ffn_down_shexp", "ssm_in", "ssm_out", "shortconv.in_proj", "shortconv.out_proj", "laurel_l", "laurel_r",
  "inp_gate", "proj",
]);
/** The same for expert weights: MUL_MAT_ID over [n_embd, n_ff, n_expert]. */
const MUL_MAT_ID_WEIGHTS = new Set(["ffn_gate_exps", "ffn_up_exps", "ffn_down_exps", "ffn_gate_up_exps"]);
/** Weights outside the blocks that are MUL_MAT (the output head; token_embd is GET_ROWS and must not move). */
const TOP_LEVEL_WEIGHTS = new Set(["output"]);

const LAYER_WEIGHT = /^blk\.(\d+)\.(.+)\.weight$/;

/** Types ggml can repack on some CPU (others are not probed). */
const REPACKABLE_TYPES: ReadonlySet<number> = new Set([
  GGML_TYPE.Q4_0, GGML_TYPE.Q4_K, GGML_TYPE.Q2_K, GGML_TYPE.Q5_K, GGML_TYPE.Q6_K, GGML_TYPE.IQ4_NL,
  GGML_TYPE.MXFP4, GGML_TYPE.Q8_0,
]);

/** AMX types and the multiple of ne0 (elements per row) each needs (amx.cpp's supports_op; TILE_K = 32, QK_K = 256). */
const AMX_ROW_MULTIPLE: ReadonlyMap<number, number> = new Map([
  [GGML_TYPE.Q4_0, 32], [GGML_TYPE.Q4_1, 32], [GGML_TYPE.Q8_0, 32],
  [GGML_TYPE.Q4_K, 256], [GGML_TYPE.Q5_K, 256], [GGML_TYPE.Q6_K, 256], [GGML_TYPE.IQ4_XS, 256],
  [GGML_TYPE.F16, 16],
]);
/** AMX wants the output rows (the weight's ne1) in multiples of 2 tiles (TILE_N = 16). */
const AMX_OUTPUT_MULTIPLE = 32;

const extraBuffers = new WeakMap<Llama, ReadonlyMap<string, Pointer>>();

/** ggml-cpu's extra buffer types on this machine, by name (AMX, CPU_REPACK...; none where the backend has none). */
export function cpuExtraBufferTypes(llama: Llama): ReadonlyMap<string, Pointer> {
  const known = extraBuffers.get(llama);
  if (known) return known;
  const { ffi } = llama;
  const found = new Map<string, Pointer>();
  const device = ffi.fn.ggml_backend_dev_by_type(0);
  if (ffi.address(device) !== 0n) {
    const list = ffi.cpuProcs().ggml_backend_dev_get_extra_bufts(device);
    // a NULL-terminated array of buffer types
    for (let i = 0; ffi.address(list) !== 0n && i < 16; i++) {
      const entry = new DataView(ffi.view(ffi.pointer(ffi.address(list) + BigInt(8 * i)), 8)).getBigUint64(0, true);
      if (entry === 0n) break;
      const buft = ffi.pointer(entry);
      found.set(ffi.cstring(ffi.fn.ggml_backend_buft_name(buft)), buft);
    }
  }
  extraBuffers.set(llama, found);
  return found;
}

/** amx.cpp's supports_op for this weight's MUL_MAT (its _exps weights are MUL_MAT_ID, which AMX does not take). */
function amxTakes(weight: WeightShape): boolean {
  const multiple = AMX_ROW_MULTIPLE.get(weight.type);
  if (multiple === undefined || !isMatmulWeight(weight) || trimmedDims(weight.shape) !== 2) return false;
  return weight.shape[0] % multiple === 0 && weight.shape[1] % AMX_OUTPUT_MULTIPLE === 0;
}

/** Whether a weight's name and dimensions make it a MUL_MAT (2 dims) or MUL_MAT_ID (3 dims) operand. */
function isMatmulWeight(weight: WeightShape): boolean {
  const dims = trimmedDims(weight.shape);
  const layer = LAYER_WEIGHT.exec(weight.name);
  if (layer) {
    if (MUL_MAT_ID_WEIGHTS.has(layer[2])) return dims === 3;
    return MUL_MAT_WEIGHTS.has(layer[2]) && dims === 2;
  }
  const top = /^(.+)\.weight$/.exec(weight.name);
  return top !== null && TOP_LEVEL_WEIGHTS.has(top[1]) && dims === 2;
}

/** ggml_n_dims: the dimensions up to the last one above 1 (at least 1). */
function trimmedDims(shape: readonly number[]): number {
  let n = shape.length;
  while (n > 1 && shape[n - 1] === 1) n--;
  return Math.max(1, n);
}

/**
 * The overrides that send each qualifying weight of `weights` to AMX or CPU_REPACK as a file load would, or undefined
 * where none qualifies (or this CPU backend has neither). Synchronous libggml calls.
 */
export function cpuRepackOverrides(llama: Llama, weights: readonly WeightShape[]): RepackOverrides | undefined {
  const buffers = cpuExtraBufferTypes(llama);
  const amx = buffers.get(AMX);
  const repack = buffers.get(CPU_REPACK);
  const targets: [Pointer, Set<string>][] = [];
  const taken = new Map<string, string>();
  if (amx) {
    const names = new Set(weights.filter(amxTakes).map((w) => w.name));
    for (const name of names) taken.set(name, AMX);
    targets.push([amx, names]);
  }
  const candidates = weights.filter((w) => !taken.has(w.name) && REPACKABLE_TYPES.has(w.type) && isMatmulWeight(w));
  if (repack && candidates.length > 0) {
    // the kernel choice reads the type and the row count (ne1): one probe per distinct pair
    const key = (w: WeightShape) => `${w.type}:${w.shape[1]}`;
    const probes = new Map<string, WeightShape>();
    for (const w of candidates) if (!probes.has(key(w))) probes.set(key(w), w);
    const kernels = probeKernels(llama, repack, [...probes.values()]);
    const names = new Set(candidates.filter((w) => kernels.get(key(w)) === true).map((w) => w.name));
    for (const name of names) taken.set(name, CPU_REPACK);
    targets.push([repack, names]);
  }
  if (taken.size === 0) return undefined;
  const entries = targets.flatMap(([buft, names]) => overridePatterns(weights, names).map((p) => [p, buft] as const));
  const { bytes, offsets } = packCStrings(entries.map(([pattern]) => pattern));
  // at least 256 bytes, so V8 keeps it off its moving heap; the zeros after the pairs end the table
  const table = new BigUint64Array(Math.max(32, 2 * (entries.length + 1)));
  const base = llama.ffi.bufferAddress(bytes);
  entries.forEach(([, buft], i) => {
    table[2 * i] = base + BigInt(offsets[i]);
    table[2 * i + 1] = llama.ffi.address(buft);
  });
  return { table, strings: bytes, placed: taken };
}

/**
 * Whether ggml attaches a repack kernel to each probe (by `type:ne1`): the probes are created in a ggml context from a
 * header (gguf_init_from_buffer, no data) and allocated in one CPU_REPACK buffer, whose init_tensor sets `extra`.
 */
function probeKernels(llama: Llama, buft: Pointer, probes: readonly WeightShape[]): Map<string, boolean> {
  const { ffi } = llama;
  const result = new Map<string, boolean>();
  const tensors = probes.map((w, i) => ({ name: `probe.${i}`, type: w.type, shape: [w.shape[0], w.shape[1]] }));
  const { bytes } = encodeGgufHeader({ metadata: {}, tensors });
  const contextOut = new BigUint64Array(32); // gguf writes the context here (256 bytes: off V8's moving heap)
  const gguf = ffi.fn.gguf_init_from_buffer(bytes, bytes.byteLength, true, ffi.pointer(ffi.bufferAddress(contextOut)));
  if (ffi.address(gguf) === 0n) return result;
  const context = ffi.pointer(contextOut[0]);
  try {
    if (contextOut[0] === 0n) return result;
    const buffer = ffi.fn.ggml_backend_alloc_ctx_tensors_from_buft(context, buft);
    if (ffi.address(buffer) === 0n) return result; // could not reserve the (untouched) memory: no repacking
    try {
      for (let t = ffi.fn.ggml_get_first_tensor(context); ffi.address(t) !== 0n; t = ffi.fn.ggml_get_next_tensor(context, t)) {
        const name = ffi.cstring(ffi.fn.ggml_get_name(t));
        if (!name.startsWith("probe.")) continue;
        const index = Number(name.slice("probe.".length));
        const extra = new DataView(ffi.view(t, GGML_TENSOR_EXTRA + 8)).getBigUint64(GGML_TENSOR_EXTRA, true);
        const w = probes[index];
        result.set(`${w.type}:${w.shape[1]}`, extra !== 0n);
      }
    } finally {
      ffi.fn.ggml_backend_buffer_free(buffer);
    }
  } finally {
    if (contextOut[0] !== 0n) ffi.fn.ggml_free(context);
    ffi.fn.gguf_free(gguf);
  }
  return result;
}

/**
 * Anchored patterns naming exactly `chosen` among `weights`: one per block weight name where every layer's
 * qualifies (`^blk\.\d+\.ffn_down\.weight$`), else with the layers listed; libllama compiles each pattern once per
 * tensor it creates, so few patterns keep the load fast.
 */
export function overridePatterns(weights: readonly WeightShape[], chosen: ReadonlySet<string>): string[] {
  const layersOf = new Map<string, { all: number; picked: string[] }>();
  const patterns: string[] = [];
  for (const w of weights) {
    const layer = LAYER_WEIGHT.exec(w.name);
    if (!layer) {
      if (chosen.has(w.name)) patterns.push(`^${escape(w.name)}$`);
      continue;
    }
    const entry = layersOf.get(layer[2]) ?? { all: 0, picked: [] };
    entry.all++;
    if (chosen.has(w.name)) entry.picked.push(layer[1]);
    layersOf.set(layer[2], entry);
  }
  for (const [name, { all, picked }] of layersOf) {
    if (picked.length === 0) continue;
    const layers = picked.length === all ? "\\d+" : `(${picked.join("|")})`;
    patterns.push(`^blk\\.${layers}\\.${escape(name)}\\.weight$`);
  }
  return patterns;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
