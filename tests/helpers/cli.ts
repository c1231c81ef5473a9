/**
 * The CLI as a person runs it: a child process of the runtime running the test (`deno run -A mod.ts ...` under
 * Deno, `bun run mod.ts ...` under Bun), or of a compiled executable, with its own environment, stdin and cwd.
 *
 * ```ts
 * const r = await runCliProcess(["list"], { env: { OLLAMA_HOST: server.url } });
 * r.code; r.stdout; r.stderr
 * ```
 * @module
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { runtime } from "../../src/runtime/mod.ts";

/** The repository root. */
export const REPO: string = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The argv that starts the CLI from source under the runtime running this test. */
export function cliCommand(): string[] {
  const entry = join(REPO, "mod.ts");
  // --config: the child may run in a temp directory, where Deno would not find deno.json (nodeModulesDir) itself.
  return runtime.name === "deno"
    ? [runtime.execPath(), "run", "-A", "--no-check", "--config", join(REPO, "deno.json"), entry]
    : [runtime.execPath(), "run", entry];
}

export interface CliRunOptions {
  /** Added to (and overriding) the environment: OLLAMA_HOST, HOME ... */
  env?: Record<string, string>;
  /** Written to the child's stdin, which is then closed; without it stdin is /dev/null. */
  stdin?: string;
  cwd?: string;
  /** Kill the child after this long (default 60 s) and fail. */
  timeoutMs?: number;
  /** The program and leading arguments (default: `cliCommand()`). */
  command?: string[];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment variables of the test process that would change what the child does. */
const SCRUBBED = ["OLLAMA_HOST", "OLLAMA_MODELS", "OLLAMA_KEEP_ALIVE", "OLLAMA_NOHISTORY", "LLAMA_LIB_DIR", "XDG_CACHE_HOME"];

/** The environment for a child: this process's, minus tollama's settings, plus `extra` and NO_COLOR. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !SCRUBBED.includes(key)) env[key] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/** Runs the CLI with `args` to the end and returns its exit code and output. */
export function runCliProcess(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  const [program, ...lead] = options.command ?? cliCommand();
  const child = spawn(program, [...lead, ...args], {
    cwd: options.cwd ?? REPO,
    env: childEnv(options.env),
    stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  let stdout = "", stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`tollama ${args.join(" ")} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
