/**
 * The opened library: locate → dlopen → (once per process) log callback, CPU backends, backend init →
 * layout check. Every model hangs off a `Llama`.
 * @module
 */
import { readFileSync } from "node:fs";
import { locateLlama } from "./ffi/locate.ts";
import { openFfi } from "./ffi/open.ts";
import type { LlamaFfi, NativeCallback } from "./ffi/types.ts";
import { checkLayouts } from "./check_layout.ts";
import { logFragment, setLogVerbosity, watchLog } from "./log.ts";
import { cstr } from "./strings.ts";

export interface OpenLlamaOptions {
  /** config.llamaLibDir() (LLAMA_LIB_DIR). */
  libDir?: string;
  /** runtime.execPath(), to look next to a compiled executable. */
  execPath?: string;
  /** config.debugLevel() (OLLAMA_DEBUG). */
  debugLevel?: number;
  /**
   * Install the log callback, load the ggml backends and init the backend: once per process. A Worker whose
   * process already did it (the main thread, before spawning it) passes false.
   */
  processInit?: boolean;
}

let opened: Promise<Llama> | undefined;
/** Kept for the life of the process: C may log from any thread at any time. */
let logCallback: NativeCallback | undefined;

/** libllama, opened and initialised. One per JS thread (isolate); share it. */
export class Llama {
  readonly ffi: LlamaFfi;
  readonly libDir: string;
  #cpuVariant: string | undefined;

  private constructor(ffi: LlamaFfi, libDir: string, cpuVariant: string | undefined) {
    this.ffi = ffi;
    this.libDir = libDir;
    this.#cpuVariant = cpuVariant;
  }

  /** Opens the library once per thread; later calls return the same instance. */
  static open(options: OpenLlamaOptions = {}): Promise<Llama> {
    opened ??= Llama.#open(options).catch((error) => {
      opened = undefined;
      throw error;
    });
    return opened;
  }

  static async #open(options: OpenLlamaOptions): Promise<Llama> {
    const { libDir, libraryPath } = locateLlama(options);
    const ffi = await openFfi(libraryPath);
    try {
      checkLayouts(ffi);
    } catch (error) {
      ffi.close();
      throw error;
    }
    let variant: string | undefined;
    if (options.processInit !== false) {
      setLogVerbosity(options.debugLevel ?? 0);
      const stop = watchLog((line) => {
        const match = /loaded CPU backend from (\S+)/.exec(line);
        if (match) variant = match[1];
      });
      // Thread-safe: ggml logs from its own threads and from Worker threads; the callback outlives them all.
      logCallback ??= ffi.callback("log", (level, text) => logFragment(level, ffi.cstring(text)), { threadSafe: true });
      ffi.fn.llama_log_set(logCallback.pointer, null);
      // Without an explicit path ggml searches the deno/bun binary's directory and finds no CPU backend.
      ffi.fn.ggml_backend_load_all_from_path(cstr(libDir));
      ffi.fn.llama_backend_init();
      stop();
    }
    return new Llama(ffi, libDir, variant ?? loadedCpuVariant());
  }

  /** File name of the ggml CPU backend in use (e.g. `libggml-cpu-zen4.so`), where it can be told. */
  get cpuVariant(): string | undefined {
    this.#cpuVariant ??= loadedCpuVariant();
    return this.#cpuVariant;
  }

  /** llama.cpp's system info line (CPU features). */
  systemInfo(): string {
    return this.ffi.cstring(this.ffi.fn.llama_print_system_info());
  }
}

/** The CPU backend mapped into this process, read from /proc/self/maps (Linux). */
export function loadedCpuVariant(): string | undefined {
  try {
    const maps = readFileSync("/proc/self/maps", "utf8");
    const match = /\/(libggml-cpu-[\w.-]+\.so)\s*$/m.exec(maps);
    return match?.[1];
  } catch {
    return undefined;
  }
}
