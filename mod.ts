/**
 * tollama: Ollama rebuilt in TypeScript, on Deno and on Bun.
 *
 * Run as a program (`deno run -A mod.ts serve`, `bun run mod.ts serve`) it is the CLI; imported, it is a library.
 * @module
 */
import { runtime } from "./src/runtime/mod.ts";
import { runCli } from "./src/cli/mod.ts";

export { TOLLAMA_VERSION } from "./src/version.ts";

/** Runs the command line (`args` without the program name) and returns the exit code. */
export function main(args: string[]): Promise<number> {
  return runCli(args, {
    serve: () => {
      throw new Error("serve is not available in this build yet");
    },
  });
}

if (import.meta.main) {
  runtime.exit(await main(runtime.args()));
}
