/**
 * The Deno backend of `LlamaFfi`: `Deno.dlopen` with real struct-by-value types, built from symbols.ts.
 * @module
 */
import { CALLBACKS, CPU_PROCS, type CType, type FnDef, MTMD_SYMBOLS, RPC_GUARD, RPC_PROCS, type StructName, STRUCTS, SYMBOLS } from "./symbols.ts";
import type { Bytes, CpuProcs, LlamaFfi, LlamaFunctions, MtmdFunctions, NativeCallback, Pointer, RpcGuard, RpcProcs } from "./types.ts";

const SCALAR: Record<string, Deno.NativeType | "void"> = {
  void: "void",
  bool: "bool",
  u8: "u8",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  u64: "u64",
  usize: "usize",
  f32: "f32",
  f64: "f64",
  ptr: "pointer",
  buf: "buffer",
  cstr: "buffer",
};
const FIELD: Record<string, Deno.NativeType> = {
  bool: "u8",
  u8: "u8",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  usize: "usize",
  f32: "f32",
  ptr: "pointer",
};

function structType(name: StructName): Deno.NativeStructType {
  return { struct: STRUCTS[name].map(([, type]) => FIELD[type]) };
}

function nativeType(type: CType): Deno.NativeResultType {
  return typeof type === "string" ? SCALAR[type] : structType(type.struct);
}

function definition(def: FnDef): Deno.ForeignFunction {
  return {
    parameters: def.parameters.map((t) => nativeType(t) as Deno.NativeType),
    result: nativeType(def.result),
  };
}

function definitions<T extends Record<string, FnDef>>(table: T): Record<keyof T, Deno.ForeignFunction> {
  const out = {} as Record<keyof T, Deno.ForeignFunction>;
  for (const name of Object.keys(table) as Array<keyof T>) out[name] = definition(table[name]);
  return out;
}

/** Deno types `usize`/`u64` parameters as bigint; our contract takes numbers, so convert where a table entry has them. */
function adapt(symbols: Record<string, unknown>, table: Record<string, FnDef>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(table)) {
    const raw = symbols[name] as (...args: unknown[]) => unknown;
    const wide = def.parameters.map((t, i) => (t === "usize" || t === "u64" || t === "i64" ? i : -1)).filter((i) => i >= 0);
    out[name] = wide.length === 0 ? raw : (...args: unknown[]) => {
      for (const i of wide) args[i] = BigInt(args[i] as number);
      return raw(...args);
    };
  }
  return out;
}

/** Opens libllama at `libraryPath` under Deno. */
export function openDeno(libraryPath: string): LlamaFfi {
  const lib = Deno.dlopen(libraryPath, definitions(SYMBOLS));
  const fn = adapt(lib.symbols as Record<string, unknown>, SYMBOLS) as unknown as LlamaFunctions;
  let procs: CpuProcs | undefined;
  let rpcProcs: RpcProcs | undefined;
  const toDeno = (p: Pointer) => p as unknown as Deno.PointerValue;
  const fromDeno = (p: Deno.PointerValue) => p as unknown as Pointer;
  return {
    runtime: "deno",
    libraryPath,
    fn,
    address: (pointer) => (pointer === null ? 0n : BigInt(Deno.UnsafePointer.value(toDeno(pointer)))),
    pointer: (address) => fromDeno(Deno.UnsafePointer.create(address)),
    bufferAddress: (bytes: Bytes) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes as Uint8Array))),
    view: (pointer, byteLength, byteOffset = 0) =>
      Deno.UnsafePointerView.getArrayBuffer(toDeno(pointer) as Deno.PointerObject, byteLength, byteOffset),
    cstring: (pointer) => Deno.UnsafePointerView.getCString(toDeno(pointer) as Deno.PointerObject),
    callback(kind, jsFn, options): NativeCallback {
      const def = definition(CALLBACKS[kind]) as Deno.UnsafeCallbackDefinition;
      // deno-lint-ignore no-explicit-any
      const wrapped = jsFn as any;
      const cb = options?.threadSafe ? Deno.UnsafeCallback.threadSafe(def, wrapped) : new Deno.UnsafeCallback(def, wrapped);
      // A thread-safe callback keeps the event loop alive; ours live as long as the process and must not.
      if (options?.threadSafe) cb.unref();
      return { pointer: fromDeno(cb.pointer), close: () => cb.close() };
    },
    cpuProcs() {
      if (procs) return procs;
      const reg = fn.ggml_backend_reg_by_name(cstr("CPU"));
      if (reg === null) throw new Error("the CPU backend is not loaded (ggml_backend_load_all_from_path found none)");
      const bound: Record<string, unknown> = {};
      for (const [name, def] of Object.entries(CPU_PROCS)) {
        const address = fn.ggml_backend_reg_get_proc_address(reg, cstr(name));
        if (address === null) throw new Error(`the CPU backend lacks ${name}`);
        const pointer = new Deno.UnsafeFnPointer(toDeno(address) as Deno.PointerObject<Deno.ForeignFunction>, definition(def));
        bound[name] = (...args: unknown[]) => (pointer.call as (...a: unknown[]) => unknown)(...args);
      }
      procs = bound as unknown as CpuProcs;
      return procs;
    },
    rpcProcs() {
      if (rpcProcs) return rpcProcs;
      const reg = fn.ggml_backend_reg_by_name(cstr("RPC"));
      if (reg === null) throw new Error("the RPC backend is not loaded (ggml_backend_load of libggml-rpc.so)");
      const bound: Record<string, unknown> = {};
      for (const [name, def] of Object.entries(RPC_PROCS)) {
        const address = fn.ggml_backend_reg_get_proc_address(reg, cstr(name));
        if (address === null) throw new Error(`the RPC backend lacks ${name}`);
        const pointer = new Deno.UnsafeFnPointer(toDeno(address) as Deno.PointerObject<Deno.ForeignFunction>, definition(def));
        const call = (pointer.call as (...a: unknown[]) => unknown).bind(pointer);
        const wide = def.parameters.map((t, i) => (t === "usize" ? i : -1)).filter((i) => i >= 0);
        bound[name] = (...args: unknown[]) => {
          for (const i of wide) args[i] = BigInt(args[i] as number);
          return call(...args);
        };
      }
      rpcProcs = bound as unknown as RpcProcs;
      return rpcProcs;
    },
    rpcGuard(path) {
      try {
        // the same file ggml_backend_load opened: dlopen hands back that instance
        const guard = Deno.dlopen(path, definitions(RPC_GUARD));
        return guard.symbols as unknown as RpcGuard;
      } catch {
        return undefined; // a libggml-rpc built elsewhere (LLAMA_LIB_DIR) has no guard
      }
    },
    mtmd(path) {
      const mtmd = Deno.dlopen(path, definitions(MTMD_SYMBOLS));
      return adapt(mtmd.symbols as Record<string, unknown>, MTMD_SYMBOLS) as unknown as MtmdFunctions;
    },
    close: () => lib.close(),
  };
}

function cstr(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text + "\0");
}
