/**
 * The command line that starts this same program again, for a short-lived child process (the load probe): the
 * compiled executable itself, or the runtime running the repository's `mod.ts` as `deno run` / `bun run` would.
 * @module
 */
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { Runtime } from "./types.ts";

/** The repository root (this file is src/runtime/self_command.ts). */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Program and leading arguments; append the subcommand and its arguments. */
export function selfCommandOf(rt: Pick<Runtime, "name" | "execPath" | "compiled">): string[] {
  if (rt.compiled) return [rt.execPath()];
  const entry = `${ROOT}mod.ts`;
  // --config: the child may start in any directory, where Deno would not find deno.json (nodeModulesDir) itself;
  // --no-lock: an installed package is no place to write a lockfile (as scripts/tollama.mjs runs it).
  return rt.name === "deno"
    ? [rt.execPath(), "run", "-A", "--no-check", "--no-lock", "--config", `${ROOT}deno.json`, entry]
    : [rt.execPath(), "run", entry];
}

/** This process's environment plus `extra`, for a child started with the argv above. */
export function selfEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  return { ...env, ...extra };
}
