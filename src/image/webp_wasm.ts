import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

/** The WASM file of the pinned npm package @cwasm/webp: libwebp's decoder (C, MIT) built for WebAssembly. */
const FILE = "webp.wasm";

/** RGBA pixels. */
export interface DecodedWebp {
  width: number;
  height: number;
  rgba: Uint8Array;
}

interface Exports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(pointer: number): void;
  /** libwebp's decode.h: (data, size, *width, *height) → RGBA pixels it allocated, or NULL. */
  WebPDecodeRGBA(data: number, size: number, width: number, height: number): number;
}

/** The WebP decoder could not be loaded (no @cwasm/webp, no webp.wasm beside the libraries): the server's fault. */
export class WebpDecoderUnavailableError extends Error {
  readonly status = 500;
  constructor(tried: string[], cause?: Error) {
    super(
      `the WebP decoder (${FILE} of @cwasm/webp) could not be loaded` +
        (cause ? `: ${cause.message}` : `; not found in ${tried.join(", ") || "node_modules"}`),
      { cause },
    );
    this.name = "WebpDecoderUnavailableError";
  }
}

let loaded: Exports | undefined;

/** The installed package's file, else one in `dirs` (a single executable extracts it beside libllama). */
function locate(dirs: readonly string[]): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(`@cwasm/webp/${FILE}`);
  } catch {
    return dirs.map((dir) => join(dir, FILE)).find((path) => existsSync(path));
  }
}

/** Instantiates the decoder once, on the first WebP (no request without one pays for compiling it). */
function decoder(dirs: readonly string[]): Exports {
  if (loaded) return loaded;
  const path = locate(dirs);
  if (!path) throw new WebpDecoderUnavailableError(dirs.map((dir) => join(dir, FILE)));
  try {
    // the module imports three WASI calls that libwebp's decoder never makes (stdio): each traps if it ever does
    const trap = (name: string) => () => {
      throw new Error(`${FILE} called ${name}`);
    };
    const imports = {
      wasi_snapshot_preview1: { fd_close: trap("fd_close"), fd_seek: trap("fd_seek"), fd_write: trap("fd_write") },
    };
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), imports);
    loaded = instance.exports as unknown as Exports;
  } catch (error) {
    throw new WebpDecoderUnavailableError([path], error as Error);
  }
  return loaded;
}

/** Decodes a WebP file with libwebp (WebPDecodeRGBA); undefined when libwebp refuses it. */
export function decodeWebpRgba(
  bytes: Uint8Array,
  options: { wasmDirs?: readonly string[] } = {},
): DecodedWebp | undefined {
  const wasm = decoder(options.wasmDirs ?? []);
  const input = wasm.malloc(bytes.length);
  const size = wasm.malloc(8);
  if (input === 0 || size === 0) {
    wasm.free(input);
    wasm.free(size);
    return undefined;
  }
  try {
    new Uint8Array(wasm.memory.buffer, input, bytes.length).set(bytes);
    const pixels = wasm.WebPDecodeRGBA(input, bytes.length, size, size + 4);
    if (pixels === 0) return undefined;
    // views are taken after the call: decoding may grow (and so replace) the memory's buffer
    const [width, height] = new Uint32Array(wasm.memory.buffer, size, 2);
    const rgba = new Uint8Array(wasm.memory.buffer, pixels, width * height * 4).slice();
    wasm.free(pixels);
    return { width, height, rgba };
  } finally {
    wasm.free(input);
    wasm.free(size);
  }
}
