/**
 * No model file may take the server down. libllama ends the whole process on a failed GGML_ASSERT, and inference
 * runs in-process, so before a model is loaded here it is checked twice: validateGgufFile (gguf/, pure TypeScript:
 * what libllama is known to assert on), then, for a file this program has never loaded, a real load in a
 * short-lived child process running this same program (load_probe_child.ts). The verdict is kept by blob digest,
 * in memory and in `load-verdicts.json` beside the store's `blobs/`, so a restart neither probes a good model again
 * nor loads a bad one: a bad verdict is an error without any load in this process.
 *
 * Errors read like Ollama's when its runner process dies: 500 `llama runner process has terminated: ...`.
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import { config } from "../config.ts";
import { log } from "../log.ts";
import { readTranslatedGguf } from "../compat/mod.ts";
import { GgufError, GgufValidationError, validateGguf } from "../gguf/mod.ts";
import { locateLlama } from "../llama/mod.ts";
import { runtime, selfCommand, selfEnv } from "../runtime/mod.ts";
import { LOAD_PROBE_COMMAND, PROBE_REFUSED } from "./load_probe_child.ts";

/** Bump when the checks change, so verdicts of the old ones are not trusted. */
const CHECKER_VERSION = 1;
const VERDICTS_FILE = "load-verdicts.json";
/** Bytes of the child's output kept for the error message. */
const OUTPUT_TAIL = 16 * 1024;
/**
 * Deaths that say the file is bad (an assert, a bad read), by the name Go's os.ProcessState gives them (Ollama's
 * message reads "signal: aborted"); SIGKILL and SIGTERM may be memory or a person, and are not held against the file.
 */
const FILE_SIGNALS: Record<string, string> = {
  SIGABRT: "aborted",
  SIGSEGV: "segmentation fault",
  SIGBUS: "bus error",
  SIGFPE: "floating point exception",
  SIGILL: "illegal instruction",
  SIGTRAP: "trace/breakpoint trap",
};
const OTHER_SIGNALS: Record<string, string> = { SIGKILL: "killed", SIGTERM: "terminated", SIGINT: "interrupt" };

/** A model file that cannot be loaded without ending the process (or that fails validation). HTTP 500. */
export class ModelCrashError extends Error {
  readonly status = 500;
  constructor(reason: string, options?: ErrorOptions) {
    super(`llama runner process has terminated: ${reason}`, options);
    this.name = "ModelCrashError";
  }
}

interface Verdict {
  ok: boolean;
  /** Loaded in a child process (not only validated). */
  probed?: boolean;
  /** The error for a bad file. */
  error?: string;
  /** The libllama it was judged with, and the checks' version. */
  library: string;
  checker: number;
}

export interface CheckLoadableOptions {
  /** Load it in a child process first (default: config.probeLoad(), TOLLAMA_PROBE_LOAD). */
  probe?: boolean;
  signal?: AbortSignal;
}

const memory = new Map<string, Verdict>();
const inFlight = new Map<string, Promise<void>>();

/**
 * Resolves when `path` is known to load without ending the process; throws ModelCrashError (500) when it is known
 * not to. Validation always runs for a file without a good verdict; the child-process load when `probe` is on.
 */
export function checkLoadable(path: string, options: CheckLoadableOptions = {}): Promise<void> {
  const probe = options.probe ?? config.probeLoad();
  const key = `${probe ? "probe" : "validate"}:${resolve(path)}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = check(path, probe, options.signal).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function check(path: string, probe: boolean, signal?: AbortSignal): Promise<void> {
  let identity: FileIdentity;
  try {
    identity = await fileIdentity(path);
  } catch {
    return; // missing or unreadable: the load says so, as it always has
  }
  const library = libraryIdentity();
  const known = memory.get(identity.key) ?? await readVerdict(identity, library);
  if (known && known.library === library && known.checker === CHECKER_VERSION) {
    if (!known.ok) throw new ModelCrashError(known.error ?? "the model failed its load check");
    if (known.probed || !probe) return;
  }
  // The child starts while the header is validated (its start-up is most of its cost); a failed check stops it.
  const stop = new AbortController();
  const forward = () => stop.abort(signal?.reason);
  signal?.addEventListener("abort", forward, { once: true });
  const probing = probe ? probeLoad(path, library, stop.signal) : undefined;
  probing?.catch(() => {}); // awaited below, or abandoned
  let verdict: Verdict | undefined;
  try {
    try {
      // a published-Ollama file is checked as libllama will see it (gemma3's tokenizer outgrows its embedding rows
      // until the translation cuts it)
      validateGguf(await readTranslatedGguf(path));
      if (!probing) memory.set(identity.key, { ok: true, library, checker: CHECKER_VERSION }); // not on disk
    } catch (error) {
      if (error instanceof GgufValidationError) {
        verdict = { ok: false, error: `error loading model: ${error.message}`, library, checker: CHECKER_VERSION };
      } else if (!(error instanceof GgufError)) {
        return; // unreadable: the load says why
      }
      // A malformed file (GgufError) libllama's own parser refuses cleanly; the probe makes sure of it.
    }
    if (verdict) stop.abort(new Error("the model failed validation"));
    else if (probing) verdict = await probing;
  } finally {
    signal?.removeEventListener("abort", forward);
    if (!stop.signal.aborted && !verdict) stop.abort(); // an early return: no child left behind
  }
  if (!verdict) return;
  memory.set(identity.key, verdict);
  await writeVerdict(identity, verdict);
  if (!verdict.ok) throw new ModelCrashError(verdict.error!);
}

/**
 * Loads `path` in a child process. A good or bad verdict when the child loaded it or died of it; undefined when
 * the answer says nothing about the file (libllama refused it cleanly: the load in this process will say why).
 */
async function probeLoad(path: string, library: string, signal?: AbortSignal): Promise<Verdict | undefined> {
  signal?.throwIfAborted();
  const [program, ...args] = selfCommand();
  // No gdb backtrace on an assert (ggml attaches one when it can): slow, and the message is all we keep.
  const child = spawn(program, [...args, LOAD_PROBE_COMMAND, path], {
    env: selfEnv({ GGML_NO_BACKTRACE: "1" }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const keep = (text: string, chunk: string) => (text + chunk).slice(-OUTPUT_TAIL);
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout = keep(stdout, chunk)));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = keep(stderr, chunk)));
  const kill = () => child.kill("SIGKILL");
  signal?.addEventListener("abort", kill, { once: true });
  const timeoutMs = config.loadTimeoutMs();
  let timedOut = false;
  const timer = timeoutMs > 0 && Number.isFinite(timeoutMs)
    ? setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs)
    : undefined;
  try {
    const [code, signalName, spawnError] = await new Promise<[number | null, string | null, Error?]>((done) => {
      child.on("error", (error) => done([null, null, error]));
      child.on("close", (code, name) => done([code, name]));
    });
    signal?.throwIfAborted();
    if (timedOut) throw new ModelCrashError(`timed out loading the model after ${Math.round(timeoutMs / 1000)}s`);
    if (code === 0) return { ok: true, probed: true, library, checker: CHECKER_VERSION };
    if (code === PROBE_REFUSED) return undefined;
    if (spawnError || (!signalName && code !== null)) {
      // The probe itself did not run (no executable, a start-up error before any model code): that says nothing
      // about the file, and a broken probe must not block every model. Load without it, and say so.
      const error = spawnError?.message ?? `exit status ${code}: ${crashLine(stderr, stdout) ?? ""}`;
      log.warn("the load probe did not run; loading without it", { path, error });
      return undefined;
    }
    const name = FILE_SIGNALS[signalName!] ?? OTHER_SIGNALS[signalName!] ?? signalName;
    const reason = crashLine(stderr, stdout);
    const error = reason ? `signal: ${name}: ${reason}` : `signal: ${name}`;
    if (!Object.hasOwn(FILE_SIGNALS, signalName!)) throw new ModelCrashError(error);
    return { ok: false, error, library, checker: CHECKER_VERSION };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", kill);
  }
}

/** The line that says why the child died: ggml's assert or abort, a C++ exception, or the last error line. */
function crashLine(stderr: string, stdout: string): string | undefined {
  const lines = `${stdout}\n${stderr}`.split("\n").map((line) => line.trim()).filter(Boolean);
  const assert = lines.findLast((line) => /GGML_ASSERT|GGML_ABORT|fatal error|terminate called|what\(\)/.test(line));
  const line = assert ?? lines.findLast((line) => /error/i.test(line));
  // "/home/runner/.../src/llama-model.cpp:1260: GGML_ASSERT(...) failed": the build machine's path says nothing.
  return line?.replace(/^\S*\/(?=[^/\s]+:\d+:)/, "").slice(0, 500);
}

interface FileIdentity {
  /** `sha256:<hex>` for a store blob, else the path with its size and mtime. */
  key: string;
  /** The verdicts file of the store holding the blob. */
  verdictsPath?: string;
}

async function fileIdentity(path: string): Promise<FileIdentity> {
  const full = resolve(path);
  const match = /^sha256-([0-9a-f]{64})$/.exec(basename(full));
  if (match && basename(dirname(full)) === "blobs") {
    return { key: `sha256:${match[1]}`, verdictsPath: join(dirname(dirname(full)), VERDICTS_FILE) };
  }
  const info = await stat(full);
  return { key: `${full}:${info.size}:${info.mtimeMs}` };
}

/** The libllama a verdict holds for: its path, size and time (a new build in the same place is judged anew). */
function libraryIdentity(): string {
  try {
    const execPath = runtime.compiled ? runtime.execPath() : undefined;
    const { libraryPath } = locateLlama({ libDir: config.llamaLibDir(), execPath });
    const info = statSync(libraryPath);
    return `${libraryPath}:${info.size}:${Math.round(info.mtimeMs)}`;
  } catch {
    return "";
  }
}

async function readVerdicts(path: string): Promise<Record<string, Verdict>> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8"));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {}; // absent or damaged: every model is probed again, which is only slower
  }
}

async function readVerdict(identity: FileIdentity, library: string): Promise<Verdict | undefined> {
  if (!identity.verdictsPath) return undefined;
  const verdict = (await readVerdicts(identity.verdictsPath))[identity.key];
  if (!verdict || typeof verdict.ok !== "boolean" || verdict.library !== library) return undefined;
  memory.set(identity.key, verdict);
  return verdict;
}

/** Read, add, write to a temp file and rename: another server on the same store loses at most a verdict. */
async function writeVerdict(identity: FileIdentity, verdict: Verdict): Promise<void> {
  if (!identity.verdictsPath) return;
  try {
    const verdicts = await readVerdicts(identity.verdictsPath);
    verdicts[identity.key] = verdict;
    // Verdicts of blobs that are gone (deleted, pruned) go too, so the file stays as small as the store.
    const blobs = join(dirname(identity.verdictsPath), "blobs");
    for (const key of Object.keys(verdicts)) {
      if (!existsSync(join(blobs, key.replace(":", "-")))) delete verdicts[key];
    }
    const temp = `${identity.verdictsPath}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(verdicts, null, 1) + "\n");
    await rename(temp, identity.verdictsPath);
  } catch {
    // A read-only store keeps verdicts in memory only.
  }
}
