/**
 * `tollama create` of a big local GGUF, end to end, as tests/create_large.test.ts (from source, on the runtime running
 * the test) and tests/compiled.test.ts (the single executable) check it: a `serve` process and a `create` process of
 * the same command, the CLI on a pseudo-terminal (util-linux `script`) so its redrawn progress line is captured.
 *
 * ```ts
 * await using server = await startServeProcess(cliCommand(), { env: { OLLAMA_MODELS: dir } });
 * const run = await runOnPty([...cliCommand(), "create", "big", "-f", modelfile], { env: { OLLAMA_HOST: server.host } });
 * ```
 * @module
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { childEnv } from "./cli.ts";
import { freePort } from "./net.ts";

/** util-linux `script`, which runs a command on a pseudo-terminal; absent on some systems. */
export const SCRIPT: string | undefined = ["/usr/bin/script", "/bin/script"].find((path) => existsSync(path));

export interface ServeProcess extends AsyncDisposable {
  /** `127.0.0.1:port` */
  host: string;
  pid: number;
  /** Everything the server printed so far. */
  log(): string;
  /** True while the process runs. */
  alive(): boolean;
}

/** Starts `[...command, "serve"]` on a free loopback port and waits until it answers. */
export async function startServeProcess(
  command: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<ServeProcess> {
  const host = `127.0.0.1:${await freePort()}`;
  const [program, ...args] = command;
  const child = spawn(program, [...args, "serve"], {
    cwd: options.cwd,
    env: childEnv({ ...options.env, OLLAMA_HOST: host }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  let running = true;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => (running = false));
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`http://${host}/api/version`)).ok) break;
    } catch { /* not listening yet */ }
    if (!running || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`serve did not start: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    host,
    pid: child.pid!,
    log: () => log,
    alive: () => running,
    [Symbol.asyncDispose]: async () => {
      if (running) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Peak resident set (VmHWM) of a process in bytes; undefined where /proc does not say. */
export function peakRss(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return kb ? Number(kb[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `argv` on a pseudo-terminal through `script`; returns its exit code and everything it wrote, raw. */
export function runOnPty(
  argv: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; output: string }> {
  const quoted = argv.map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(" ");
  const child = spawn(SCRIPT!, ["-q", "-f", "-e", "-c", quoted, "/dev/null"], {
    cwd: options.cwd,
    // TERM: the CLI draws for a terminal; COLUMNS keeps the line on one row.
    env: childEnv({ TERM: "xterm", COLUMNS: "200", ...options.env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${argv.join(" ")} did not finish; output so far:\n${output}`));
    }, options.timeoutMs ?? 300_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** `sha256:<hex>` of a file. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await using file = await open(path, "r");
  const buffer = new Uint8Array(1 << 20);
  for (;;) {
    const { bytesRead } = await file.read(buffer, 0, buffer.byteLength, null);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
  }
  return `sha256:${hash.digest("hex")}`;
}

/** The percentages of every `copying file <digest> NN%` the output drew, in order. */
export function copyPercents(output: string, digest: string): number[] {
  const line = new RegExp(`copying file ${digest} (\\d+)%`, "g");
  return [...output.matchAll(line)].map((m) => Number(m[1]));
}

