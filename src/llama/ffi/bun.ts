/**
 * The Bun backend of `LlamaFfi`: `bun:ffi` dlopen for plain calls, and a C shim compiled at run time by
 * bun:ffi `cc` (TinyCC) for the struct-by-value ones (see bun_shim.ts).
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { CALLBACKS, CPU_PROCS, type CType, type FnDef, MTMD_SYMBOLS, RPC_GUARD, RPC_PROCS, SHIM_EXTRAS, structLayout, SYMBOLS } from "./symbols.ts";
import { byValueSymbols, shimSignature, shimSource } from "./bun_shim.ts";
import type { CpuProcs, LlamaFfi, LlamaFunctions, MtmdFunctions, NativeCallback, Pointer, RpcGuard, RpcProcs } from "./types.ts";

/** The slice of `bun:ffi` this backend uses, declared here so `deno check` can read the file. */
interface BunFfiFunction {
  args: string[];
  returns: string;
  ptr?: unknown;
  threadsafe?: boolean;
}
interface BunLibrary {
  symbols: Record<string, (...args: unknown[]) => unknown>;
  close(): void;
}
interface BunFfi {
  dlopen(path: string, symbols: Record<string, BunFfiFunction>): BunLibrary;
  cc(options: { source: string; library: string[]; flags: string[]; symbols: Record<string, BunFfiFunction> }): BunLibrary;
  CFunction(def: BunFfiFunction & { ptr: unknown }): (...args: unknown[]) => unknown;
  JSCallback: new (fn: (...args: unknown[]) => unknown, def: BunFfiFunction) => { ptr: number | null; close(): void };
  ptr(view: ArrayBufferView): number;
  toArrayBuffer(pointer: number, byteOffset?: number, byteLength?: number): ArrayBuffer;
  CString: new (pointer: number) => string;
}

const SCALAR: Record<string, string> = {
  void: "void",
  bool: "bool",
  u8: "u8",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  u64: "u64",
  usize: "u64",
  f32: "f32",
  f64: "f64",
  ptr: "ptr",
  buf: "ptr",
  cstr: "ptr",
};

function bunType(type: CType): string {
  if (typeof type !== "string") throw new TypeError(`struct ${type.struct} must go through the shim`);
  return SCALAR[type];
}

function bunDef(def: { parameters: readonly CType[]; result: CType }): BunFfiFunction {
  return { args: def.parameters.map(bunType), returns: bunType(def.result) };
}

/** Writes the shim source once per content under the temp dir (TinyCC reads a file, not a string). */
function shimFile(source = shimSource()): string {
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), "tollama-shim");
  const file = join(dir, `llama_shim_${hash}.c`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, source);
    // rename is atomic: two workers compiling at once never read a half-written file
    renameSync(temp, file);
  }
  return file;
}

/** JS functions for a table's by-value entries: struct results come back as fresh byte images. */
function structWrappers(defs: Record<string, FnDef>, names: Set<string>, shim: BunLibrary): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const def = defs[name];
    const call = shim.symbols[`shim_${name}`];
    if (typeof def.result !== "string") {
      const size = structLayout(def.result.struct).size;
      out[name] = (...args: unknown[]) => {
        const bytes = new Uint8Array(size);
        call(bytes, ...args);
        return bytes;
      };
    } else {
      out[name] = call;
    }
  }
  return out;
}

/** `libllama.v0.5.0.so` → `llama.v0.5.0` (TinyCC takes -l names, not paths). */
function linkName(libraryPath: string): string {
  return basename(libraryPath).replace(/^lib/, "").replace(/\.so(\..*)?$/, "");
}

/** Opens libllama at `libraryPath` under Bun. */
export async function openBun(libraryPath: string): Promise<LlamaFfi> {
  // A non-literal specifier: deno check cannot resolve `bun:` modules and must not try.
  const specifier = ["bun", "ffi"].join(":");
  const ffi = (await import(specifier)) as BunFfi;
  const shimmed = new Set(byValueSymbols());
  const plain: Record<string, BunFfiFunction> = {};
  for (const [name, def] of Object.entries(SYMBOLS as Record<string, FnDef>)) {
    if (!shimmed.has(name)) plain[name] = bunDef(def);
  }
  const lib = ffi.dlopen(libraryPath, plain);
  const shimDefs: Record<string, BunFfiFunction> = {};
  for (const name of shimmed) shimDefs[`shim_${name}`] = bunDef(shimSignature((SYMBOLS as Record<string, FnDef>)[name]));
  for (const [name, def] of Object.entries(SHIM_EXTRAS)) shimDefs[name] = bunDef(def);
  const shim = ffi.cc({
    source: shimFile(),
    library: [linkName(libraryPath)],
    flags: [`-L${dirname(libraryPath)}`],
    symbols: shimDefs,
  });
  const fn: Record<string, unknown> = { ...lib.symbols };
  for (const name of shimmed) {
    const def = (SYMBOLS as Record<string, FnDef>)[name];
    const call = shim.symbols[`shim_${name}`];
    if (typeof def.result !== "string") {
      const size = structLayout(def.result.struct).size;
      fn[name] = (...args: unknown[]) => {
        const out = new Uint8Array(size);
        call(out, ...args);
        return out;
      };
    } else {
      fn[name] = call;
    }
  }
  let procs: CpuProcs | undefined;
  let rpcProcs: RpcProcs | undefined;
  const num = (p: Pointer) => (p === null ? 0 : (p as unknown as number));
  const cstr = (text: string) => new TextEncoder().encode(text + "\0");
  return {
    runtime: "bun",
    libraryPath,
    fn: fn as unknown as LlamaFunctions,
    address: (pointer) => BigInt(num(pointer)),
    pointer: (address) => (address === 0n ? null : (Number(address) as unknown as Pointer)),
    bufferAddress: (bytes) => BigInt(ffi.ptr(bytes)),
    view: (pointer, byteLength, byteOffset = 0) => ffi.toArrayBuffer(num(pointer), byteOffset, byteLength),
    cstring: (pointer) => String(new ffi.CString(num(pointer))),
    callback(kind, jsFn, options): NativeCallback {
      if (kind === "log" && options?.threadSafe) {
        const log = jsFn as (level: number, text: Pointer, userData: Pointer) => void;
        const target = new ffi.JSCallback((level, text) => {
          try {
            log(level as number, text as Pointer, null);
          } finally {
            shim.symbols.shim_free(text);
          }
        }, { args: ["i32", "ptr"], returns: "void", threadsafe: true });
        const forwarder = shim.symbols.shim_log_forwarder(target.ptr) as Pointer;
        return { pointer: forwarder, close: () => target.close() };
      }
      const cb = new ffi.JSCallback(jsFn as (...args: unknown[]) => unknown, {
        ...bunDef(CALLBACKS[kind]),
        threadsafe: options?.threadSafe ?? false,
      });
      return { pointer: cb.ptr as unknown as Pointer, close: () => cb.close() };
    },
    cpuProcs() {
      if (procs) return procs;
      const reg = lib.symbols.ggml_backend_reg_by_name(cstr("CPU"));
      if (!reg) throw new Error("the CPU backend is not loaded (ggml_backend_load_all_from_path found none)");
      const bound: Record<string, unknown> = {};
      for (const [name, def] of Object.entries(CPU_PROCS)) {
        const address = lib.symbols.ggml_backend_reg_get_proc_address(reg, cstr(name));
        if (!address) throw new Error(`the CPU backend lacks ${name}`);
        bound[name] = ffi.CFunction({ ...bunDef(def), ptr: address });
      }
      procs = bound as unknown as CpuProcs;
      return procs;
    },
    rpcProcs() {
      if (rpcProcs) return rpcProcs;
      const reg = lib.symbols.ggml_backend_reg_by_name(cstr("RPC"));
      if (!reg) throw new Error("the RPC backend is not loaded (ggml_backend_load of libggml-rpc.so)");
      const bound: Record<string, unknown> = {};
      for (const [name, def] of Object.entries(RPC_PROCS)) {
        const address = lib.symbols.ggml_backend_reg_get_proc_address(reg, cstr(name));
        if (!address) throw new Error(`the RPC backend lacks ${name}`);
        bound[name] = ffi.CFunction({ ...bunDef(def), ptr: address });
      }
      rpcProcs = bound as unknown as RpcProcs;
      return rpcProcs;
    },
    rpcGuard(path) {
      const defs: Record<string, BunFfiFunction> = {};
      for (const [name, def] of Object.entries(RPC_GUARD)) defs[name] = bunDef(def);
      try {
        // the same file ggml_backend_load opened: dlopen hands back that instance
        const guard = ffi.dlopen(path, defs);
        return guard.symbols as unknown as RpcGuard;
      } catch {
        return undefined; // a libggml-rpc built elsewhere (LLAMA_LIB_DIR) has no guard
      }
    },
    mtmd(path) {
      const defs = MTMD_SYMBOLS as Record<string, FnDef>;
      const byValue = new Set(byValueSymbols(defs));
      const plainDefs: Record<string, BunFfiFunction> = {};
      for (const [name, def] of Object.entries(defs)) if (!byValue.has(name)) plainDefs[name] = bunDef(def);
      const mtmdLib = ffi.dlopen(path, plainDefs);
      const wrapperDefs: Record<string, BunFfiFunction> = {};
      for (const name of byValue) wrapperDefs[`shim_${name}`] = bunDef(shimSignature(defs[name]));
      const mtmdShim = ffi.cc({
        source: shimFile(shimSource(defs)),
        library: [linkName(path)],
        flags: [`-L${dirname(path)}`],
        symbols: wrapperDefs,
      });
      return { ...mtmdLib.symbols, ...structWrappers(defs, byValue, mtmdShim) } as unknown as MtmdFunctions;
    },
    close() {
      shim.close();
      lib.close();
    },
  };
}
