/**
 * A loaded model (`llama_model`): load with progress, metadata, chat template, and the factory for contexts.
 * @module
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { Llama } from "./backend.ts";
import { writeField } from "./check_layout.ts";
import type { NativeCallback, Pointer } from "./ffi/types.ts";
import { ModelLoadError } from "./errors.ts";
import { NativeHandle } from "./handle.ts";
import { cstr, packCStrings } from "./strings.ts";
import { Vocab } from "./vocab.ts";
import { Context, type ContextOptions } from "./context.ts";
import { TensorSlot } from "./tensor_slot.ts";
import { cpuRepackOverrides, type RepackOverrides, type WeightShape } from "./repack.ts";

export interface LoadOptions {
  /** Called with 0..1 while tensors load; return false to abort the load. */
  onProgress?: (progress: number) => boolean | void;
  /** Only the vocabulary (tokenize without weights). */
  vocabOnly?: boolean;
  /**
   * Offload devices (RPC workers: rpc.ts `rpcDevices`), in order; the layers not offloaded stay on this machine's
   * CPU. libllama splits the offloaded layers among them by their free memory.
   */
  devices?: Pointer[];
  /** With `devices`: how many layers (the output layer counted) go to them (libllama's n_gpu_layers). */
  nGpuLayers?: number;
}

/** `Model.fromUser`'s options. */
export interface UserLoadOptions extends LoadOptions {
  /**
   * The header's weights: those ggml can repack for this CPU's kernels go to its CPU_REPACK buffers (repack.ts), as
   * a file load would place them; `fill` must then write each of those whole, in one `TensorSlot.set`. Ignored with
   * `devices` (an override would pin offloaded layers to the CPU).
   */
  repack?: readonly WeightShape[];
}

export interface ChatMessage {
  role: string;
  content: string;
}

/** Checks what we can before libllama does, so common mistakes get a clear message. */
function precheck(path: string): void {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new ModelLoadError(path, "not a file");
    size = stat.size;
  } catch (error) {
    if (error instanceof ModelLoadError) throw error;
    const code = (error as { code?: string }).code;
    throw new ModelLoadError(path, code === "ENOENT" ? "no such file" : String((error as Error).message), { cause: error });
  }
  const magic = new Uint8Array(4);
  const fd = openSync(path, "r");
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 24 || new TextDecoder().decode(magic) !== "GGUF") {
    throw new ModelLoadError(path, "not a GGUF file (bad magic)");
  }
}

/**
 * Writes `options.vocabOnly` and the offload devices into `params`; returns the NULL-terminated ggml_backend_dev_t
 * array to keep referenced until the load returns (libllama copies the list).
 */
function placement(llama: Llama, params: Uint8Array, options: LoadOptions): BigUint64Array | undefined {
  const { ffi } = llama;
  if (options.vocabOnly) writeField(params, "llama_model_params", "vocab_only", true);
  const devices = options.devices?.length ? new BigUint64Array(Math.max(32, options.devices.length + 1)) : undefined;
  if (devices) {
    options.devices!.forEach((device, i) => (devices[i] = ffi.address(device)));
    writeField(params, "llama_model_params", "devices", ffi.bufferAddress(devices));
    if (options.nGpuLayers !== undefined) writeField(params, "llama_model_params", "n_gpu_layers", options.nGpuLayers);
  }
  return devices;
}

const PAGE = 4096n;
const MADV_POPULATE_WRITE = 23;

/**
 * Before a host buffer of weights is filled: fault its whole range in with one call (Linux 5.14+) instead of one
 * fault per 4 KiB page as the reads reach it (~5-10% of a load measured; the same pages are touched either way).
 * Best effort: a kernel without the advice refuses it and the reads fault the pages in. (Transparent huge pages,
 * MADV_HUGEPAGE, made the load 2.5x slower here: the kernel compacts memory to find them.)
 */
function adviseWeights(llama: Llama, address: bigint, size: number): void {
  const { ffi } = llama;
  const start = (address + PAGE - 1n) / PAGE * PAGE;
  const end = (address + BigInt(size)) / PAGE * PAGE;
  if (end > start) ffi.fn.madvise(ffi.pointer(start), Number(end - start), MADV_POPULATE_WRITE);
}

export class Model extends NativeHandle {
  readonly llama: Llama;
  readonly path: string;
  readonly handle: Pointer;
  readonly vocab: Vocab;

  private constructor(llama: Llama, path: string, handle: Pointer) {
    super(`model ${path}`);
    this.llama = llama;
    this.path = path;
    this.handle = handle;
    this.vocab = new Vocab(llama.ffi, llama.ffi.fn.llama_model_get_vocab(handle), () => this.assertOpen());
  }

  /** Loads a GGUF file. Synchronous (run it in a Worker); throws ModelLoadError with a reason. */
  static load(llama: Llama, path: string, options: LoadOptions = {}): Model {
    precheck(path);
    const { ffi } = llama;
    const params = ffi.fn.llama_model_default_params();
    let progress: NativeCallback | undefined;
    let cancelled = false;
    if (options.onProgress) {
      const onProgress = options.onProgress;
      progress = ffi.callback("progress", (value) => {
        const keep = onProgress(value) !== false;
        if (!keep) cancelled = true;
        return keep;
      });
      writeField(params, "llama_model_params", "progress_callback", ffi.address(progress.pointer));
    }
    const devices = placement(llama, params, options);
    let handle: Pointer;
    try {
      handle = ffi.fn.llama_model_load_from_file(cstr(path), params);
    } finally {
      progress?.close();
      void devices;
    }
    if (ffi.address(handle) === 0n) {
      throw new ModelLoadError(path, cancelled ? "cancelled" : "libllama could not read it (truncated, corrupt or unsupported; see the log)");
    }
    return new Model(llama, path, handle);
  }

  /**
   * A model from a GGUF header alone (key-values and tensor infos, as gguf's encodeGgufHeader makes it) whose tensor
   * bytes come from `fill`, called once for each tensor libllama creates, after its buffer is allocated: no file and
   * no mmap, the weights live in memory libllama allocates. libllama creates every optional tensor the architecture
   * names (with the header's type, F32 when the header lacks it), so `fill` sees names the header may not have.
   * `fill` returning false stops the load (cancelled); an error it throws ends the load and is thrown here.
   * `onProgress` is not called (libllama reports none on this route: `fill` can). Synchronous (run it in a Worker).
   */
  static fromUser(
    llama: Llama,
    label: string,
    header: Uint8Array,
    fill: (slot: TensorSlot) => boolean | void,
    options: UserLoadOptions = {},
  ): Model {
    const { ffi } = llama;
    const metadata = ffi.fn.gguf_init_from_buffer(header, header.byteLength, true, null);
    if (ffi.address(metadata) === 0n) throw new ModelLoadError(label, "gguf refused its header (see the log)");
    const params = ffi.fn.llama_model_default_params();
    const devices = placement(llama, params, options);
    let overrides: RepackOverrides | undefined;
    try {
      overrides = options.repack && !devices ? cpuRepackOverrides(llama, options.repack) : undefined;
    } catch (error) {
      ffi.fn.gguf_free(metadata);
      throw error;
    }
    if (overrides) writeField(params, "llama_model_params", "tensor_buft_overrides", ffi.bufferAddress(overrides.table));
    let failure: { error: unknown } | undefined;
    let cancelled = false;
    // an exception must not unwind through libllama's frames: keep it, skip the rest, throw it once the call returns
    const advised = new Set<bigint>();
    const callback = ffi.callback("set_tensor_data", (tensor) => {
      if (failure || cancelled) return;
      try {
        const slot = new TensorSlot(ffi, tensor);
        const buffer = slot.hostBuffer();
        if (buffer && !advised.has(buffer.address)) {
          advised.add(buffer.address);
          adviseWeights(llama, buffer.address, buffer.size);
        }
        if (fill(slot) === false) cancelled = true;
      } catch (error) {
        failure = { error };
      }
    });
    let handle: Pointer;
    try {
      handle = ffi.fn.llama_model_init_from_user(metadata, callback.pointer, null, params);
    } finally {
      callback.close();
      ffi.fn.gguf_free(metadata); // the loader copied what it keeps (key-values, vocabulary)
      void devices;
      void overrides?.strings;
    }
    if (ffi.address(handle) !== 0n && (failure || cancelled)) {
      ffi.fn.llama_model_free(handle);
      handle = null;
    }
    if (failure) throw failure.error;
    if (ffi.address(handle) === 0n) {
      throw new ModelLoadError(label, cancelled ? "cancelled" : "libllama could not build it from its header (see the log)");
    }
    return new Model(llama, label, handle);
  }

  /** Creates a context (KV cache, compute buffers, threadpool) on this model. */
  createContext(options: ContextOptions = {}): Context {
    this.assertOpen();
    return Context.create(this, options);
  }

  get nCtxTrain(): number {
    this.assertOpen();
    return this.llama.ffi.fn.llama_model_n_ctx_train(this.handle);
  }

  get nEmbd(): number {
    this.assertOpen();
    return this.llama.ffi.fn.llama_model_n_embd(this.handle);
  }

  get nLayer(): number {
    this.assertOpen();
    return this.llama.ffi.fn.llama_model_n_layer(this.handle);
  }

  get hasEncoder(): boolean {
    this.assertOpen();
    return this.llama.ffi.fn.llama_model_has_encoder(this.handle);
  }

  /** Bytes of all tensors. */
  get size(): number {
    this.assertOpen();
    return Number(this.llama.ffi.fn.llama_model_size(this.handle));
  }

  get nParams(): number {
    this.assertOpen();
    return Number(this.llama.ffi.fn.llama_model_n_params(this.handle));
  }

  /** e.g. "llama ?B F16". */
  get description(): string {
    this.assertOpen();
    return this.#readString((buf, len) => this.llama.ffi.fn.llama_model_desc(this.handle, buf, len));
  }

  /** A GGUF metadata value as text, or undefined when the key is absent. */
  meta(key: string): string | undefined {
    this.assertOpen();
    const k = cstr(key);
    const n = this.llama.ffi.fn.llama_model_meta_val_str(this.handle, k, new Uint8Array(0), 0);
    if (n < 0) return undefined;
    return this.#readString((buf, len) => this.llama.ffi.fn.llama_model_meta_val_str(this.handle, k, buf, len), n);
  }

  /** Every metadata key and value (arrays are summarised by libllama). */
  metadata(): Record<string, string> {
    this.assertOpen();
    const { fn } = this.llama.ffi;
    const out: Record<string, string> = {};
    const count = fn.llama_model_meta_count(this.handle);
    for (let i = 0; i < count; i++) {
      const key = this.#readString((buf, len) => fn.llama_model_meta_key_by_index(this.handle, i, buf, len));
      out[key] = this.#readString((buf, len) => fn.llama_model_meta_val_str_by_index(this.handle, i, buf, len));
    }
    return out;
  }

  /** The GGUF chat template (`tokenizer.chat_template`, or a named one), or undefined. */
  chatTemplate(name?: string): string | undefined {
    this.assertOpen();
    const { ffi } = this.llama;
    // `pack` keeps the bytes referenced (and off the moving heap) until the call returns
    const packed = name === undefined ? undefined : packCStrings([name]);
    const namePtr = packed ? ffi.pointer(ffi.bufferAddress(packed.bytes)) : null;
    const result = ffi.fn.llama_model_chat_template(this.handle, namePtr);
    void packed?.bytes;
    return ffi.address(result) === 0n ? undefined : ffi.cstring(result);
  }

  /**
   * Renders messages with libllama's built-in template matcher (`llama_chat_apply_template`), which knows a
   * fixed list of formats. Throws when the model has no template or libllama does not recognise it.
   */
  applyChatTemplate(messages: ChatMessage[], addAssistant = true): string {
    this.assertOpen();
    const { ffi } = this.llama;
    const template = ffi.fn.llama_model_chat_template(this.handle, null);
    if (ffi.address(template) === 0n) throw new Error(`model ${this.path} has no chat template`);
    // All C strings in one buffer that stays referenced until the call returns (ffi-notes trap 3), so no GC can
    // move or free them between taking their addresses and the call.
    const packed = packCStrings(messages.flatMap((m) => [m.role, m.content]));
    const base = ffi.bufferAddress(packed.bytes);
    const array = new BigUint64Array(Math.max(8, messages.length * 2));
    packed.offsets.forEach((offset, i) => (array[i] = base + BigInt(offset)));
    let size = messages.reduce((n, m) => n + m.role.length + m.content.length * 3, 0) * 2 + 256;
    for (let attempt = 0; attempt < 2; attempt++) {
      const out = new Uint8Array(size);
      const n = ffi.fn.llama_chat_apply_template(template, array, messages.length, addAssistant, out, size);
      void packed.bytes;
      if (n < 0) throw new Error(`libllama does not support the chat template of ${this.path}`);
      if (n <= size) return new TextDecoder().decode(out.subarray(0, n));
      size = n;
    }
    throw new Error("chat template output kept growing");
  }

  #readString(read: (buf: Uint8Array, len: number) => number, hint = 256): string {
    let size = hint + 1;
    for (let attempt = 0; attempt < 3; attempt++) {
      const buf = new Uint8Array(size);
      const n = read(buf, size);
      if (n < 0) return "";
      if (n < size) return new TextDecoder().decode(buf.subarray(0, n));
      size = n + 1;
    }
    return "";
  }

  protected free(): void {
    this.llama.ffi.fn.llama_model_free(this.handle);
  }
}
