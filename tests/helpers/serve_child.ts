/**
 * tests/helpers/serve_main.ts (`serveUntilStopped`, what `tollama serve` runs) as a child process of this runtime,
 * configured only by environment variables, for tests of the process as a whole (env, signals, libraries).
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { runtime } from "../../src/runtime/mod.ts";

export interface ServeChild {
  child: ChildProcess;
  /** Everything the server printed so far (it keeps collecting after the start). */
  output(): string;
  /** The exit code, once the process has gone. */
  exited: Promise<number | null>;
}

/** Starts the server with `env` over this process's environment and waits (up to `timeoutMs`) for "Listening on". */
export async function startServeChild(env: Record<string, string>, timeoutMs: number): Promise<ServeChild> {
  const script = new URL("./serve_main.ts", import.meta.url).pathname;
  const args = runtime.name === "deno" ? ["run", "-A", script] : ["run", script];
  const child = spawn(runtime.execPath(), args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no Listening line: ${output}`)), timeoutMs);
      const onData = (data: Uint8Array) => {
        output += new TextDecoder().decode(data);
        if (output.includes("Listening on")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.on("exit", () => reject(new Error(`exited early: ${output}`)));
    });
  } catch (error) {
    child.kill("SIGTERM");
    await exited;
    throw error;
  }
  return { child, output: () => output, exited };
}
