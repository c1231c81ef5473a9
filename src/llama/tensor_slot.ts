/**
 * A tensor libllama hands to the `set_tensor_data` callback of a model built without a file
 * (`Model.fromUser`): its name, type and shape as the architecture created it, and the ways to fill it.
 * @module
 */
import type { LlamaFfi, Pointer } from "./ffi/types.ts";
import { GGML_TENSOR_HEAD } from "./ffi/symbols.ts";
import { WHOLE_TENSOR_BUFFERS } from "./repack.ts";

export class TensorSlot {
  readonly name: string;
  /** ggml type id (the type the header declared for this name; F32 for a name it lacks). */
  readonly type: number;
  /** ne0..ne3 (trailing 1s kept). */
  readonly ne: readonly number[];
  /** ggml_nbytes. */
  readonly size: number;
  readonly #ffi: LlamaFfi;
  readonly #tensor: Pointer;

  constructor(ffi: LlamaFfi, tensor: Pointer) {
    this.#ffi = ffi;
    this.#tensor = tensor;
    const head = new DataView(ffi.view(tensor, GGML_TENSOR_HEAD.size));
    this.type = head.getInt32(GGML_TENSOR_HEAD.type, true);
    this.ne = [0, 1, 2, 3].map((i) => Number(head.getBigInt64(GGML_TENSOR_HEAD.ne + 8 * i, true)));
    this.name = ffi.cstring(ffi.fn.ggml_get_name(tensor));
    this.size = Number(ffi.fn.ggml_nbytes(tensor));
  }

  /**
   * The tensor's own memory when its buffer is in host memory (the CPU backend): read file bytes straight into it,
   * no staging copy. undefined for a device buffer (RPC): use `set`.
   */
  hostMemory(): Uint8Array | undefined {
    const ffi = this.#ffi;
    const buffer = this.#buffer();
    if (ffi.address(buffer) === 0n || !ffi.fn.ggml_backend_buffer_is_host(buffer)) return undefined;
    const data = ffi.fn.ggml_get_data(this.#tensor);
    if (ffi.address(data) === 0n || this.size === 0) return undefined;
    return new Uint8Array(ffi.view(data, this.size));
  }

  /** The host buffer the tensor lives in (its base address, as a number, and size), or undefined for a device one. */
  hostBuffer(): { address: bigint; size: number } | undefined {
    const ffi = this.#ffi;
    const buffer = this.#buffer();
    if (ffi.address(buffer) === 0n || !ffi.fn.ggml_backend_buffer_is_host(buffer)) return undefined;
    return { address: ffi.address(ffi.fn.ggml_backend_buffer_get_base(buffer)), size: Number(ffi.fn.ggml_backend_buffer_get_size(buffer)) };
  }

  /**
   * The tensor sits in an AMX or CPU_REPACK buffer (repack.ts): ggml rearranges its blocks as they are written, so it
   * takes the whole tensor in one `set` (a part would abort the process).
   */
  get repacked(): boolean {
    const ffi = this.#ffi;
    const buffer = this.#buffer();
    if (ffi.address(buffer) === 0n) return false;
    return WHOLE_TENSOR_BUFFERS.has(ffi.cstring(ffi.fn.ggml_backend_buft_name(ffi.fn.ggml_backend_buffer_get_type(buffer))));
  }

  /** The ggml_backend_buffer the tensor was allocated in (NULL before allocation). */
  #buffer() {
    const head = new DataView(this.#ffi.view(this.#tensor, GGML_TENSOR_HEAD.size));
    return this.#ffi.pointer(head.getBigUint64(GGML_TENSOR_HEAD.buffer, true));
  }

  /** Copies `bytes` into the tensor at byte `offset` (any buffer kind; a repacked tensor whole, at 0). */
  set(bytes: Uint8Array, offset = 0): void {
    if (offset + bytes.byteLength > this.size) {
      throw new RangeError(`tensor '${this.name}': ${bytes.byteLength} bytes at ${offset} overrun its ${this.size}`);
    }
    if ((offset !== 0 || bytes.byteLength !== this.size) && this.repacked) {
      throw new RangeError(`tensor '${this.name}' is repacked for the CPU: it is written whole, not ${bytes.byteLength} bytes at ${offset}`);
    }
    this.#ffi.fn.ggml_backend_tensor_set(this.#tensor, bytes, offset, bytes.byteLength);
  }
}
