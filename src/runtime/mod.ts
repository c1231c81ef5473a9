/**
 * The only module that knows which runtime tollama runs on. Everything else calls `runtime.*`.
 * @module
 */
import type { Runtime } from "./types.ts";
import { selfCommandOf } from "./self_command.ts";

export { selfEnv } from "./self_command.ts";

export type { Handler, Runtime, ServeOptions, ServerHandle } from "./types.ts";

/** "deno" or "bun": decided once, from the globals each runtime defines. */
export function detectRuntime(): "deno" | "bun" {
  if ("Bun" in globalThis) return "bun";
  if ("Deno" in globalThis) return "deno";
  throw new Error("tollama runs on Deno or Bun; this runtime is neither");
}

/** The adapter for the running runtime. */
export const runtime: Runtime = detectRuntime() === "bun"
  ? (await import("./bun.ts")).bunRuntime
  : (await import("./deno.ts")).denoRuntime;

/** The argv that runs this program again (compiled executable, or `deno run` / `bun run` of mod.ts); append a subcommand. */
export function selfCommand(): string[] {
  return selfCommandOf(runtime);
}
