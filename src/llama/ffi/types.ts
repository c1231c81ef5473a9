/**
 * The `LlamaFfi` contract both backends (deno.ts, bun.ts) fill in. Wrappers see pointers as opaque values,
 * structs as byte images (Uint8Array) and strings as NUL-terminated byte buffers; no runtime type leaks out.
 * @module
 */
import type { CALLBACKS, CPU_PROCS, CType, MTMD_SYMBOLS, RPC_GUARD, RPC_PROCS, SYMBOLS } from "./symbols.ts";

declare const pointerBrand: unique symbol;
/** A native address: a Deno PointerObject or a Bun number; `null` is NULL. Compare with `ffi.address()`. */
export type Pointer = { readonly [pointerBrand]: true } | null;

/** Anything whose bytes can be handed to C as a pointer. */
export type Bytes = ArrayBufferView;

type JsParam<T> = T extends { struct: string } ? Uint8Array
  : T extends "ptr" ? Pointer
  : T extends "buf" | "cstr" ? Bytes
  : T extends "bool" ? boolean
  : T extends "i64" | "u64" ? number | bigint
  : number;

type JsResult<T> = T extends { struct: string } ? Uint8Array
  : T extends "ptr" ? Pointer
  : T extends "bool" ? boolean
  : T extends "void" ? void
  : T extends "i64" | "u64" ? number | bigint
  : number;

type JsParams<P extends readonly CType[]> = { -readonly [K in keyof P]: JsParam<P[K]> };
type JsFunction<D extends { parameters: readonly CType[]; result: CType }> = (
  ...args: JsParams<D["parameters"]>
) => JsResult<D["result"]>;

/** libllama's functions with JS types, derived from `SYMBOLS`. */
export type LlamaFunctions = { readonly [K in keyof typeof SYMBOLS]: JsFunction<(typeof SYMBOLS)[K]> };
/** libmtmd's functions with JS types, derived from `MTMD_SYMBOLS`. */
export type MtmdFunctions = { readonly [K in keyof typeof MTMD_SYMBOLS]: JsFunction<(typeof MTMD_SYMBOLS)[K]> };
/** The CPU backend's threadpool functions. */
export type CpuProcs = { readonly [K in keyof typeof CPU_PROCS]: JsFunction<(typeof CPU_PROCS)[K]> };
/** The RPC backend's functions (after libggml-rpc is loaded). */
export type RpcProcs = { readonly [K in keyof typeof RPC_PROCS]: JsFunction<(typeof RPC_PROCS)[K]> };
/** tollama's guard in libggml-rpc.so (scripts/rpc_guard.cpp). */
export type RpcGuard = { readonly [K in keyof typeof RPC_GUARD]: JsFunction<(typeof RPC_GUARD)[K]> };
/** JS implementation of a callback kind. */
export type CallbackFunction<K extends keyof typeof CALLBACKS> = JsFunction<(typeof CALLBACKS)[K]>;

/** A JS function callable from C; `close()` once C can no longer call it. */
export interface NativeCallback {
  readonly pointer: Pointer;
  close(): void;
}

export interface LlamaFfi {
  readonly runtime: "deno" | "bun";
  /** Path of the libllama file that was opened. */
  readonly libraryPath: string;
  readonly fn: LlamaFunctions;
  /** Numeric address of a pointer (0n for NULL), for storing in structs and comparing. */
  address(pointer: Pointer): bigint;
  /** The pointer at a numeric address. */
  pointer(address: bigint): Pointer;
  /** Address of a JS buffer's bytes (stable while the buffer lives; use large buffers, not tiny ones). */
  bufferAddress(bytes: Bytes): bigint;
  /** A live view of native memory: the next decode or free may change or invalidate it. */
  view(pointer: Pointer, byteLength: number, byteOffset?: number): ArrayBuffer;
  /** The NUL-terminated UTF-8 string at a pointer. */
  cstring(pointer: Pointer): string;
  /** A C callback of one of the CALLBACKS kinds. `threadSafe` lets any native thread call it. */
  callback<K extends keyof typeof CALLBACKS>(
    kind: K,
    fn: CallbackFunction<K>,
    options?: { threadSafe?: boolean },
  ): NativeCallback;
  /** Binds the CPU backend's procs (after the backends are loaded). */
  cpuProcs(): CpuProcs;
  /** Binds the RPC backend's procs (after libggml-rpc is loaded with ggml_backend_load). */
  rpcProcs(): RpcProcs;
  /** The guard's install function in the libggml-rpc.so at `path`, or undefined when that build has none. */
  rpcGuard(path: string): RpcGuard | undefined;
  /** Opens libmtmd (a second dlopen; libllama is already loaded, so its DT_NEEDED resolve to this one). */
  mtmd(libraryPath: string): MtmdFunctions;
  close(): void;
}
