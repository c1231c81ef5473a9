/**
 * A LoRA adapter (`llama_adapter_lora`) loaded onto a model, and the call that attaches adapters to a context.
 * An adapter belongs to its model: it is closed before the model is freed, and it must be loaded before the
 * model's contexts are made (libllama sizes a context's compute graph by the adapters the model has then).
 * @module
 */
import { statSync } from "node:fs";
import type { Context } from "./context.ts";
import { ModelLoadError } from "./errors.ts";
import type { Pointer } from "./ffi/types.ts";
import { NativeHandle } from "./handle.ts";
import type { Model } from "./model.ts";
import { cstr } from "./strings.ts";

export class LoraAdapter extends NativeHandle {
  readonly model: Model;
  readonly path: string;
  readonly handle: Pointer;

  private constructor(model: Model, path: string, handle: Pointer) {
    super(`LoRA adapter ${path}`, model);
    this.model = model;
    this.path = path;
    this.handle = handle;
  }

  /**
   * Loads the GGUF LoRA at `path` for `model`. Throws ModelLoadError (for the model, naming the adapter) when the
   * file is missing, or when libllama refuses it (not an adapter, another architecture, tensors that do not fit).
   */
  static load(model: Model, path: string): LoraAdapter {
    try {
      if (!statSync(path).isFile()) throw new ModelLoadError(model.path, `the LoRA adapter ${path} is not a file`);
    } catch (error) {
      if (error instanceof ModelLoadError) throw error;
      throw new ModelLoadError(model.path, `cannot read the LoRA adapter ${path}: ${(error as Error).message}`, { cause: error });
    }
    const { ffi } = model.llama;
    const handle = ffi.fn.llama_adapter_lora_init(model.handle, cstr(path));
    if (ffi.address(handle) === 0n) {
      // libllama says why (another architecture, a tensor that does not fit ...) only in its log.
      throw new ModelLoadError(model.path, `libllama refused the LoRA adapter ${path} (see its log line above)`);
    }
    return new LoraAdapter(model, path, handle);
  }

  protected free(): void {
    this.model.llama.ffi.fn.llama_adapter_lora_free(this.handle);
  }
}

/**
 * Makes `adapters` the context's whole adapter set, each at `scale` (1: the adapter as trained; libllama
 * multiplies by alpha / rank). An empty list removes them all.
 */
export function applyAdapters(context: Context, adapters: readonly LoraAdapter[], scale = 1): void {
  const { ffi } = context.model.llama;
  if (adapters.length === 0) {
    ffi.fn.llama_set_adapters_lora(context.handle, new BigUint64Array(8), 0, new Float32Array(8));
    return;
  }
  // At least 8 slots: the arrays stay off the tiny-object heap while C reads them.
  const pointers = new BigUint64Array(Math.max(8, adapters.length));
  const scales = new Float32Array(Math.max(8, adapters.length));
  adapters.forEach((adapter, i) => {
    if (adapter.closed || adapter.model !== context.model) {
      throw new RangeError(`LoRA adapter ${adapter.path} is closed or belongs to another model`);
    }
    pointers[i] = ffi.address(adapter.handle);
    scales[i] = scale;
  });
  const result = ffi.fn.llama_set_adapters_lora(context.handle, pointers, adapters.length, scales);
  if (result !== 0) throw new Error(`llama_set_adapters_lora failed (${result})`);
}
