/**
 * tollama: Ollama rebuilt in TypeScript, on Deno and on Bun.
 *
 * Run as a program (`deno run -A mod.ts serve`, `bun run mod.ts serve`) it is the CLI; imported, it is a library.
 * @module
 */
import { TOLLAMA_VERSION } from "./src/version.ts";
import { runtime } from "./src/runtime/mod.ts";

export { TOLLAMA_VERSION } from "./src/version.ts";

/** Runs the command line and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "--version" || args[0] === "-v") {
    console.log(`tollama version is ${TOLLAMA_VERSION}`);
    return 0;
  }
  console.error(`Error: unknown command "${args[0] ?? ""}" for "tollama"`);
  return 1;
}

if (import.meta.main) {
  runtime.exit(await main(runtime.args()));
}
