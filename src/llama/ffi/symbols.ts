/**
 * Every C signature and struct layout tollama uses from libllama/libggml, in one typed table (like
 * node-llama-cpp's AddonTypes.ts). The Deno and Bun backends build their bindings from it, the Bun shim is
 * generated from it, and nothing else declares FFI types. Layouts are x86-64 SysV, checked against the real
 * header by `layout.test.ts` and against the library's default-params bytes at start-up (`check_layout.ts`).
 * @module
 */

/** Scalar C types as they cross the boundary. `cstr`/`buf` are pointers the caller passes as JS typed arrays. */
export type CScalar = "void" | "bool" | "u8" | "i32" | "u32" | "i64" | "u64" | "usize" | "f32" | "f64" | "ptr" | "buf" | "cstr";
/** A struct passed or returned by value (Deno: `{struct}`; Bun: through the generated C shim). */
export interface CStruct {
  readonly struct: StructName;
}
export type CType = CScalar | CStruct;

export interface FnDef {
  readonly parameters: readonly CType[];
  readonly result: CType;
}

function fn<const P extends readonly CType[], const R extends CType>(parameters: P, result: R): { parameters: P; result: R } {
  return { parameters, result };
}
function byValue<const N extends StructName>(name: N): { struct: N } {
  return { struct: name };
}

/** Field types inside structs (bool is one byte). */
export type FieldType = "bool" | "u8" | "i32" | "u32" | "i64" | "usize" | "f32" | "ptr";

/**
 * Struct fields in declaration order with the default the library returns (undefined = not checked).
 * Offsets follow from natural alignment (`structLayout()`); the header test confirms them with offsetof.
 */
export const STRUCTS = {
  llama_model_params: [
    ["devices", "ptr", 0],
    ["tensor_buft_overrides", "ptr", 0],
    ["n_gpu_layers", "i32", -1],
    ["split_mode", "i32", 1],
    ["load_mode", "i32", -1],
    ["lazy_mode", "i32", 1],
    ["main_gpu", "i32", 0],
    ["tensor_split", "ptr", 0],
    ["progress_callback", "ptr", 0],
    ["progress_callback_user_data", "ptr", 0],
    ["kv_overrides", "ptr", 0],
    ["vocab_only", "bool", 0],
    ["check_tensors", "bool", 0],
    ["use_extra_bufts", "bool", 1],
    ["no_host", "bool", 0],
    ["no_alloc", "bool", 0],
    ["load_mtp", "bool", undefined],
  ],
  llama_context_params: [
    ["n_ctx", "u32", 512],
    ["n_batch", "u32", 2048],
    ["n_ubatch", "u32", 512],
    ["n_seq_max", "u32", 1],
    ["n_rs_seq", "u32", 0],
    ["n_outputs_max", "u32", 0],
    ["n_outputs_max_per_seq", "u32", 1],
    ["n_threads", "i32", 4],
    ["n_threads_batch", "i32", 4],
    ["ctx_type", "i32", undefined],
    ["rope_scaling_type", "i32", -1],
    ["pooling_type", "i32", -1],
    ["attention_type", "i32", -1],
    ["flash_attn_type", "i32", -1],
    ["rope_freq_base", "f32", 0],
    ["rope_freq_scale", "f32", 0],
    ["yarn_ext_factor", "f32", -1],
    ["yarn_attn_factor", "f32", -1],
    ["yarn_beta_fast", "f32", -1],
    ["yarn_beta_slow", "f32", -1],
    ["yarn_orig_ctx", "u32", 0],
    ["defrag_thold", "f32", -1],
    ["cb_eval", "ptr", 0],
    ["cb_eval_user_data", "ptr", 0],
    ["type_k", "i32", 1],
    ["type_v", "i32", 1],
    ["abort_callback", "ptr", 0],
    ["abort_callback_data", "ptr", 0],
    ["embeddings", "bool", 0],
    ["offload_kqv", "bool", 1],
    ["no_perf", "bool", 1],
    ["op_offload", "bool", 1],
    ["swa_full", "bool", 1],
    ["kv_unified", "bool", 0],
    ["samplers", "ptr", 0],
    ["n_samplers", "usize", 0],
    ["ctx_other", "ptr", 0],
  ],
  llama_batch: [
    ["n_tokens", "i32", undefined],
    ["token", "ptr", undefined],
    ["embd", "ptr", undefined],
    ["pos", "ptr", undefined],
    ["n_seq_id", "ptr", undefined],
    ["seq_id", "ptr", undefined],
    ["logits", "ptr", undefined],
  ],
  llama_sampler_chain_params: [["no_perf", "bool", 1]],
  llama_model_quantize_params: [
    ["nthread", "i32", 0],
    ["ftype", "i32", 7], // LLAMA_FTYPE_MOSTLY_Q8_0
    ["output_tensor_type", "i32", 43], // GGML_TYPE_COUNT: no override
    ["token_embedding_type", "i32", 43],
    ["allow_requantize", "bool", 0],
    ["quantize_output_tensor", "bool", 1],
    ["only_copy", "bool", 0],
    ["pure", "bool", 0],
    ["keep_split", "bool", 0],
    ["dry_run", "bool", 0],
    ["imatrix", "ptr", 0],
    ["kv_overrides", "ptr", 0],
    ["tt_overrides", "ptr", 0],
    ["prune_layers", "ptr", 0],
    ["max_buf_size", "usize", 8 * 1024 * 1024 * 1024],
  ],
  llama_chat_message: [["role", "ptr", undefined], ["content", "ptr", undefined]],
  llama_token_data: [["id", "i32", undefined], ["logit", "f32", undefined], ["p", "f32", undefined]],
  llama_token_data_array: [
    ["data", "ptr", undefined],
    ["size", "usize", undefined],
    ["selected", "i64", undefined],
    ["sorted", "bool", undefined],
  ],
  // libmtmd (tools/mtmd/mtmd.h, mtmd-helper.h), opened by its own dlopen (`LlamaFfi.mtmd()`)
  mtmd_context_params: [
    ["use_gpu", "bool", 1],
    ["device", "ptr", 0],
    ["print_timings", "bool", 1],
    ["n_threads", "i32", 4],
    ["image_marker", "ptr", 0],
    ["media_marker", "ptr", undefined],
    ["flash_attn_type", "i32", -1],
    ["warmup", "bool", 1],
    ["image_min_tokens", "i32", -1],
    ["image_max_tokens", "i32", -1],
    ["cb_eval", "ptr", 0],
    ["cb_eval_user_data", "ptr", 0],
    ["batch_max_tokens", "i32", 1024],
    ["progress_callback", "ptr", 0],
    ["progress_callback_user_data", "ptr", 0],
  ],
  /** `struct mtmd_helper_init_opt { struct mtmd_helper_video_init_params video_params; }`, flattened: same bytes. */
  mtmd_helper_init_opt: [
    ["fps_target", "f32", undefined],
    ["ffmpeg_bin_dir", "ptr", 0],
    ["timestamp_interval_ms", "i64", undefined],
  ],
  mtmd_helper_bitmap_wrapper: [["bitmap", "ptr", undefined], ["video_ctx", "ptr", undefined]],
  mtmd_input_text: [
    ["text", "ptr", undefined],
    ["text_len", "usize", undefined],
    ["add_special", "bool", undefined],
    ["parse_special", "bool", undefined],
  ],
} as const satisfies Record<string, ReadonlyArray<readonly [string, FieldType, number | undefined]>>;

export type StructName = keyof typeof STRUCTS;

/**
 * The head of `struct ggml_tensor` (ggml.h) read by the tensor-filling callback: `enum ggml_type type` at 0,
 * `struct ggml_backend_buffer * buffer` at 8, `int64_t ne[4]` at 16. layout.test.ts checks them with offsetof.
 */
export const GGML_TENSOR_HEAD = { type: 0, buffer: 8, ne: 16, size: 48 } as const;
/** `void * extra` in `struct ggml_tensor`: the repack kernel ggml-cpu attaches to a tensor in a CPU_REPACK buffer. */
export const GGML_TENSOR_EXTRA = 320;

/** `ggml_threadpool_params`: bool cpumask[GGML_MAX_N_THREADS=512], int n_threads, prio, u32 poll, bool strict_cpu, bool paused. */
export const THREADPOOL_PARAMS_SIZE = 528;

const FIELD_SIZE: Record<FieldType, number> = { bool: 1, u8: 1, i32: 4, u32: 4, f32: 4, i64: 8, usize: 8, ptr: 8 };

export interface StructLayout {
  readonly size: number;
  readonly align: number;
  readonly offsets: Readonly<Record<string, number>>;
  readonly fields: ReadonlyArray<readonly [string, FieldType, number | undefined]>;
}

const layoutCache = new Map<StructName, StructLayout>();

/** Offsets, size and alignment of a struct under natural alignment (x86-64 SysV). */
export function structLayout(name: StructName): StructLayout {
  const cached = layoutCache.get(name);
  if (cached) return cached;
  const fields = STRUCTS[name];
  let offset = 0;
  let align = 1;
  const offsets: Record<string, number> = {};
  for (const [field, type] of fields) {
    const size = FIELD_SIZE[type];
    offset = Math.ceil(offset / size) * size;
    offsets[field] = offset;
    offset += size;
    align = Math.max(align, size);
  }
  const layout = { size: Math.ceil(offset / align) * align, align, offsets, fields };
  layoutCache.set(name, layout);
  return layout;
}

/** Byte size of each field type (for backends that spell structs field by field). */
export function fieldSize(type: FieldType): number {
  return FIELD_SIZE[type];
}

const modelParams = byValue("llama_model_params");
const contextParams = byValue("llama_context_params");
const batch = byValue("llama_batch");
const chainParams = byValue("llama_sampler_chain_params");

/** Functions bound from libllama (ggml_* ones resolve through the same handle: dlsym searches its dependencies). */
export const SYMBOLS = {
  llama_backend_init: fn([], "void"),
  llama_log_set: fn(["ptr", "ptr"], "void"),
  /** (ggml_log_callback * out, void ** user_data out): the process logger, handed to libmtmd too. */
  llama_log_get: fn(["buf", "buf"], "void"),
  llama_print_system_info: fn([], "ptr"),
  ggml_backend_load_all_from_path: fn(["cstr"], "void"),
  ggml_backend_reg_by_name: fn(["cstr"], "ptr"),
  ggml_backend_reg_get_proc_address: fn(["ptr", "cstr"], "ptr"),
  ggml_threadpool_params_init: fn(["buf", "i32"], "void"),
  /** Loads one backend module by path (libggml-rpc.so, built at install: scripts/build_rpc.mjs); NULL on failure. */
  ggml_backend_load: fn(["cstr"], "ptr"),
  ggml_backend_reg_dev_count: fn(["ptr"], "usize"),
  ggml_backend_reg_dev_get: fn(["ptr", "usize"], "ptr"),
  /** enum ggml_backend_dev_type: 0 CPU, 1 GPU, 2 IGPU, 3 ACCEL. */
  ggml_backend_dev_by_type: fn(["i32"], "ptr"),
  ggml_backend_dev_name: fn(["ptr"], "ptr"),
  ggml_backend_dev_description: fn(["ptr"], "ptr"),
  /** (dev, size_t * free, size_t * total) */
  ggml_backend_dev_memory: fn(["ptr", "buf", "buf"], "void"),
  /** Replaces ggml's "print and abort" message hook (abort() still follows it); returns the previous hook. */
  ggml_set_abort_callback: fn(["ptr"], "ptr"),

  llama_model_default_params: fn([], modelParams),
  llama_model_quantize_default_params: fn([], byValue("llama_model_quantize_params")),
  /** Blocks for the whole quantization: call it from a Worker. The params go by pointer. */
  llama_model_quantize: fn(["cstr", "cstr", "buf"], "u32"),
  llama_context_default_params: fn([], contextParams),
  llama_sampler_chain_default_params: fn([], chainParams),

  llama_model_load_from_file: fn(["cstr", modelParams], "ptr"),
  /**
   * (gguf_context * metadata, set_tensor_data callback, user data, params): a model from a header and a callback that
   * fills each tensor once its buffer is allocated (no file, no mmap). NULL on failure (the reason goes to the log).
   */
  llama_model_init_from_user: fn(["ptr", "ptr", "ptr", modelParams], "ptr"),
  /**
   * (data, size, struct gguf_init_params { bool no_alloc; struct ggml_context ** ctx; }): the 16-byte struct goes by
   * value as its two eightbytes, in the registers of two arguments (SysV and AAPCS64 alike), so it is spelled as two.
   */
  gguf_init_from_buffer: fn(["buf", "usize", "bool", "ptr"], "ptr"),
  gguf_free: fn(["ptr"], "void"),
  ggml_get_name: fn(["ptr"], "ptr"),
  ggml_nbytes: fn(["ptr"], "usize"),
  ggml_get_data: fn(["ptr"], "ptr"),
  ggml_backend_buffer_is_host: fn(["ptr"], "bool"),
  ggml_backend_buffer_get_base: fn(["ptr"], "ptr"),
  ggml_backend_buffer_get_size: fn(["ptr"], "usize"),
  /** libc's (found through libllama's dependencies): (addr, length, advice) → 0, or -1 with errno. */
  madvise: fn(["ptr", "usize", "i32"], "i32"),
  /** (tensor, const void * data, offset, size): copies into a tensor's buffer, wherever it lives. */
  ggml_backend_tensor_set: fn(["ptr", "buf", "usize", "usize"], "void"),
  ggml_backend_buffer_get_type: fn(["ptr"], "ptr"),
  ggml_backend_buft_name: fn(["ptr"], "ptr"),
  /** (ggml_context, buffer type): one buffer holding every tensor of the context, each through init_tensor. */
  ggml_backend_alloc_ctx_tensors_from_buft: fn(["ptr", "ptr"], "ptr"),
  ggml_backend_buffer_free: fn(["ptr"], "void"),
  ggml_get_first_tensor: fn(["ptr"], "ptr"),
  ggml_get_next_tensor: fn(["ptr", "ptr"], "ptr"),
  ggml_free: fn(["ptr"], "void"),
  llama_model_free: fn(["ptr"], "void"),
  llama_model_get_vocab: fn(["ptr"], "ptr"),
  llama_model_n_ctx_train: fn(["ptr"], "i32"),
  llama_model_n_embd: fn(["ptr"], "i32"),
  llama_model_n_layer: fn(["ptr"], "i32"),
  llama_model_has_encoder: fn(["ptr"], "bool"),
  llama_model_size: fn(["ptr"], "u64"),
  llama_model_n_params: fn(["ptr"], "u64"),
  llama_model_desc: fn(["ptr", "buf", "usize"], "i32"),
  llama_model_meta_val_str: fn(["ptr", "cstr", "buf", "usize"], "i32"),
  llama_model_meta_count: fn(["ptr"], "i32"),
  llama_model_meta_key_by_index: fn(["ptr", "i32", "buf", "usize"], "i32"),
  llama_model_meta_val_str_by_index: fn(["ptr", "i32", "buf", "usize"], "i32"),
  llama_model_chat_template: fn(["ptr", "ptr"], "ptr"),
  llama_chat_apply_template: fn(["ptr", "buf", "usize", "bool", "buf", "i32"], "i32"),

  /** NULL when the file is not a LoRA for this model (the reason goes to the log). Load before creating contexts. */
  llama_adapter_lora_init: fn(["ptr", "cstr"], "ptr"),
  llama_adapter_lora_free: fn(["ptr"], "void"),
  /** (ctx, llama_adapter_lora ** adapters, n, float * scales): replaces the context's whole adapter set. */
  llama_set_adapters_lora: fn(["ptr", "buf", "usize", "buf"], "i32"),

  llama_vocab_n_tokens: fn(["ptr"], "i32"),
  llama_vocab_type: fn(["ptr"], "i32"),
  llama_vocab_bos: fn(["ptr"], "i32"),
  llama_vocab_eos: fn(["ptr"], "i32"),
  llama_vocab_eot: fn(["ptr"], "i32"),
  llama_vocab_nl: fn(["ptr"], "i32"),
  llama_vocab_is_eog: fn(["ptr", "i32"], "bool"),
  llama_vocab_is_control: fn(["ptr", "i32"], "bool"),
  llama_vocab_get_add_bos: fn(["ptr"], "bool"),
  llama_vocab_get_add_eos: fn(["ptr"], "bool"),
  llama_tokenize: fn(["ptr", "buf", "i32", "buf", "i32", "bool", "bool"], "i32"),
  llama_token_to_piece: fn(["ptr", "i32", "buf", "i32", "i32", "bool"], "i32"),
  llama_detokenize: fn(["ptr", "buf", "i32", "buf", "i32", "bool", "bool"], "i32"),

  llama_init_from_model: fn(["ptr", contextParams], "ptr"),
  llama_free: fn(["ptr"], "void"),
  llama_n_ctx: fn(["ptr"], "u32"),
  llama_n_batch: fn(["ptr"], "u32"),
  llama_n_ubatch: fn(["ptr"], "u32"),
  llama_n_seq_max: fn(["ptr"], "u32"),
  llama_n_threads: fn(["ptr"], "i32"),
  llama_n_threads_batch: fn(["ptr"], "i32"),
  llama_set_n_threads: fn(["ptr", "i32", "i32"], "void"),
  llama_set_embeddings: fn(["ptr", "bool"], "void"),
  llama_set_abort_callback: fn(["ptr", "ptr", "ptr"], "void"),
  llama_attach_threadpool: fn(["ptr", "ptr", "ptr"], "void"),
  llama_detach_threadpool: fn(["ptr"], "void"),
  llama_pooling_type: fn(["ptr"], "i32"),
  llama_get_memory: fn(["ptr"], "ptr"),
  llama_memory_clear: fn(["ptr", "bool"], "void"),
  llama_memory_seq_rm: fn(["ptr", "i32", "i32", "i32"], "bool"),
  llama_memory_seq_cp: fn(["ptr", "i32", "i32", "i32", "i32"], "void"),
  llama_memory_seq_keep: fn(["ptr", "i32"], "void"),
  llama_memory_seq_add: fn(["ptr", "i32", "i32", "i32", "i32"], "void"),
  llama_memory_seq_pos_min: fn(["ptr", "i32"], "i32"),
  llama_memory_seq_pos_max: fn(["ptr", "i32"], "i32"),
  /** False where the memory cannot move positions (M-RoPE, recurrent): no context shift there. */
  llama_memory_can_shift: fn(["ptr"], "bool"),

  llama_batch_init: fn(["i32", "i32", "i32"], batch),
  llama_batch_free: fn([batch], "void"),
  llama_decode: fn(["ptr", batch], "i32"),
  llama_get_logits_ith: fn(["ptr", "i32"], "ptr"),
  llama_get_embeddings_ith: fn(["ptr", "i32"], "ptr"),
  llama_get_embeddings_seq: fn(["ptr", "i32"], "ptr"),

  llama_sampler_chain_init: fn([chainParams], "ptr"),
  llama_sampler_chain_add: fn(["ptr", "ptr"], "void"),
  llama_sampler_init_greedy: fn([], "ptr"),
  llama_sampler_init_dist: fn(["u32"], "ptr"),
  llama_sampler_init_top_k: fn(["i32"], "ptr"),
  llama_sampler_init_top_p: fn(["f32", "usize"], "ptr"),
  llama_sampler_init_min_p: fn(["f32", "usize"], "ptr"),
  llama_sampler_init_typical: fn(["f32", "usize"], "ptr"),
  llama_sampler_init_temp: fn(["f32"], "ptr"),
  llama_sampler_init_penalties: fn(["i32", "i32", "f32", "f32", "f32"], "ptr"),
  llama_sampler_init_grammar: fn(["ptr", "cstr", "cstr"], "ptr"),
  llama_sampler_sample: fn(["ptr", "ptr", "i32"], "i32"),
  llama_sampler_accept: fn(["ptr", "i32"], "void"),
  llama_sampler_apply: fn(["ptr", "buf"], "void"),
  llama_sampler_reset: fn(["ptr"], "void"),
  llama_sampler_free: fn(["ptr"], "void"),
} as const satisfies Record<string, FnDef>;

/**
 * libmtmd's functions (images through a projector). The npm package ships no libmtmd: scripts/build_mtmd.mjs
 * builds it at install against the prebuilt libllama; it is opened on first use by `LlamaFfi.mtmd()`.
 */
export const MTMD_SYMBOLS = {
  mtmd_default_marker: fn([], "ptr"),
  mtmd_context_params_default: fn([], byValue("mtmd_context_params")),
  /** (mmproj path, text model, params): NULL when the projector cannot be loaded (the reason goes to the log). */
  mtmd_init_from_file: fn(["cstr", "ptr", byValue("mtmd_context_params")], "ptr"),
  mtmd_free: fn(["ptr"], "void"),
  mtmd_support_vision: fn(["ptr"], "bool"),
  mtmd_decode_use_non_causal: fn(["ptr", "ptr"], "bool"),
  mtmd_decode_use_mrope: fn(["ptr"], "bool"),
  mtmd_bitmap_get_nx: fn(["ptr"], "u32"),
  mtmd_bitmap_get_ny: fn(["ptr"], "u32"),
  mtmd_bitmap_is_audio: fn(["ptr"], "bool"),
  mtmd_bitmap_free: fn(["ptr"], "void"),
  mtmd_input_chunks_init: fn([], "ptr"),
  mtmd_input_chunks_size: fn(["ptr"], "usize"),
  mtmd_input_chunks_get: fn(["ptr", "usize"], "ptr"),
  mtmd_input_chunks_free: fn(["ptr"], "void"),
  /** enum mtmd_input_chunk_type: 0 text, 1 image, 2 audio. */
  mtmd_input_chunk_get_type: fn(["ptr"], "i32"),
  /** (chunk, size_t * n_tokens) → const llama_token * */
  mtmd_input_chunk_get_tokens_text: fn(["ptr", "buf"], "ptr"),
  mtmd_input_chunk_get_n_tokens: fn(["ptr"], "usize"),
  mtmd_input_chunk_get_n_pos: fn(["ptr"], "i32"),
  /** (ctx, chunks out, const mtmd_input_text *, const mtmd_bitmap ** bitmaps, n): 0 ok, 1 marker/bitmap count mismatch, 2 preprocessing error. */
  mtmd_tokenize: fn(["ptr", "ptr", "buf", "buf", "usize"], "i32"),
  mtmd_helper_log_set: fn(["ptr", "ptr"], "void"),
  mtmd_helper_init_opt_default: fn([], byValue("mtmd_helper_init_opt")),
  /** (ctx, bytes, n, placeholder, opt): decodes an image file's bytes (stb_image); bitmap NULL on failure. */
  mtmd_helper_bitmap_init_from_buf: fn(["ptr", "buf", "usize", "bool", byValue("mtmd_helper_init_opt")], byValue("mtmd_helper_bitmap_wrapper")),
  mtmd_helper_get_n_tokens: fn(["ptr"], "usize"),
  mtmd_helper_get_n_pos: fn(["ptr"], "i32"),
  /** (mctx, lctx, chunks, n_past, seq_id, n_batch, logits_last, llama_pos * new_n_past): 0 ok. */
  mtmd_helper_eval_chunks: fn(["ptr", "ptr", "ptr", "i32", "i32", "i32", "bool", "buf"], "i32"),
  /** The same for one chunk (the batch runner interleaves images with other requests' tokens). */
  mtmd_helper_eval_chunk_single: fn(["ptr", "ptr", "ptr", "i32", "i32", "i32", "bool", "buf"], "i32"),
} as const satisfies Record<string, FnDef>;

/** Functions of the CPU backend module, reached through `ggml_backend_reg_get_proc_address(CPU, name)`. */
export const CPU_PROCS = {
  ggml_threadpool_new: fn(["buf"], "ptr"),
  ggml_threadpool_free: fn(["ptr"], "void"),
  /** (CPU device) → NULL-terminated array of its extra buffer types (CPU_REPACK among them where it has kernels). */
  ggml_backend_dev_get_extra_bufts: fn(["ptr"], "ptr"),
} as const satisfies Record<string, FnDef>;

/** Functions of the RPC backend module (libggml-rpc), reached through `ggml_backend_reg_get_proc_address(RPC, name)`. */
export const RPC_PROCS = {
  /** Connects to a worker (ggml aborts the process when it cannot: check it is listening first); NULL when it has no device. */
  ggml_backend_rpc_add_server: fn(["cstr"], "ptr"),
  /** (endpoint, cache_dir or NULL, n_threads, n_devices, devices): serves until the process ends; returns on failure. */
  ggml_backend_rpc_start_server: fn(["cstr", "ptr", "usize", "usize", "buf"], "void"),
} as const satisfies Record<string, FnDef>;

/** tollama's guard inside the libggml-rpc.so that scripts/build_rpc.mjs builds (scripts/rpc_guard.cpp), bound by path. */
export const RPC_GUARD = {
  /** Installs (or, with NULL, removes) the ggml abort hook that parks a thread whose RPC connection failed. */
  tollama_rpc_guard_install: fn(["ptr"], "void"),
  /** "a.b.c.d:port,…": the workers' addresses, whose connections the next RPC failure cuts (once). */
  tollama_rpc_guard_peers: fn(["cstr"], "void"),
} as const satisfies Record<string, FnDef>;

/**
 * The Bun shim's own functions beyond the by-value wrappers (bun_shim.ts): a log forwarder that copies each
 * fragment before Bun's thread-safe callback runs (ggml frees the text when the log call returns), and its free.
 */
export const SHIM_EXTRAS = {
  shim_log_forwarder: fn(["ptr"], "ptr"),
  shim_free: fn(["ptr"], "void"),
} as const satisfies Record<string, FnDef>;

/** C callbacks tollama hands to the library. */
export const CALLBACKS = {
  /** ggml_log_callback(enum ggml_log_level level, const char * text, void * user_data) */
  log: fn(["i32", "ptr", "ptr"], "void"),
  /** ggml_abort_callback(void * data) → true aborts the running decode */
  abort: fn(["ptr"], "bool"),
  /** llama_progress_callback(float progress, void * user_data) → false aborts the load */
  progress: fn(["f32", "ptr"], "bool"),
  /** ggml_abort_callback_t(const char * error_message): ggml calls abort() right after it returns */
  fatal: fn(["ptr"], "void"),
  /** llama_model_set_tensor_data_t(struct ggml_tensor * tensor, void * user_data): fill one tensor (on the loading thread) */
  set_tensor_data: fn(["ptr", "ptr"], "void"),
} as const satisfies Record<string, FnDef>;

export type SymbolName = keyof typeof SYMBOLS;
export type CallbackName = keyof typeof CALLBACKS;
