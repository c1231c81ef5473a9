/**
 * Picks the FFI backend of the running runtime and opens libllama with it.
 * @module
 */
import type { LlamaFfi } from "./types.ts";

/** Opens libllama at `libraryPath` with the Deno or the Bun backend. */
export async function openFfi(libraryPath: string): Promise<LlamaFfi> {
  if ("Bun" in globalThis) return (await import("./bun.ts")).openBun(libraryPath);
  return (await import("./deno.ts")).openDeno(libraryPath);
}
