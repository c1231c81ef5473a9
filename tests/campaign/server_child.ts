/**
 * The server under test as a real child process (`tollama serve` through tests/helpers/serve_main.ts, under the
 * runtime running the test), with what the campaign needs to judge it: whether it is alive, how it died, its log,
 * and a restart over the same store so one crash does not hide the inputs after it.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { runtime } from "../../src/runtime/mod.ts";
import { freePort } from "../helpers/net.ts";

/** How a server child ended. */
export interface Exit {
  code: number | null;
  signal: string | null;
}

/** A running server child. */
export interface ServerChild {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Set once the process has exited. */
  exit: Exit | undefined;
  exited: Promise<Exit>;
  /** The last 64 KiB of its stdout and stderr. */
  log(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<Exit>;
}

const LOG_KEEP = 64 * 1024;

/** Starts `tollama serve` over `modelsDir` on a free loopback port and waits for its `Listening on` line. */
export async function startServerChild(
  options: { home: string; modelsDir: string; env?: Record<string, string> },
): Promise<ServerChild> {
  const port = await freePort();
  const script = new URL("../helpers/serve_main.ts", import.meta.url).pathname;
  const args = runtime.name === "deno" ? ["run", "-A", script] : ["run", script];
  const child = spawn(runtime.execPath(), args, {
    env: {
      ...process.env,
      HOME: options.home,
      OLLAMA_HOST: `127.0.0.1:${port}`,
      OLLAMA_MODELS: options.modelsDir,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const onData = (data: Uint8Array) => {
    output += new TextDecoder().decode(data);
    if (output.length > LOG_KEEP * 2) output = output.slice(-LOG_KEEP);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const server: ServerChild = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    child,
    exit: undefined,
    exited: new Promise<Exit>((resolve) => {
      child.on("exit", (code, signal) => {
        server.exit = { code, signal };
        resolve(server.exit);
      });
    }),
    log: () => output.slice(-LOG_KEEP),
    stop: async (graceMs = 10_000) => {
      if (server.exit) return server.exit;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const exit = await server.exited;
      clearTimeout(timer);
      return exit;
    },
  };
  const deadline = Date.now() + 60_000;
  while (!output.includes("Listening on")) {
    if (server.exit) throw new Error(`server exited before listening (${JSON.stringify(server.exit)}): ${output}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`server did not listen within 60 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server;
}

/** The models directory of a campaign home. */
export function modelsDirOf(home: string): string {
  return join(home, "models");
}
