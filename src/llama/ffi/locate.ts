/**
 * Finds the directory holding libllama and the ggml backends: LLAMA_LIB_DIR, then `<repo>/lib/`, then the
 * npm package's bins, then next to a compiled executable.
 * @module
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Thrown when no directory with libllama is found; the message lists every place looked at. */
export class LibraryNotFoundError extends Error {
  constructor(readonly searched: string[]) {
    super(
      `libllama not found; looked in: ${searched.join(", ")}. ` +
        "Run `npm ci` (installs @node-llama-cpp/linux-x64) or set LLAMA_LIB_DIR to a directory holding libllama*.so",
    );
    this.name = "LibraryNotFoundError";
  }
}

/** The libllama file in `dir` (libllama.so or a versioned libllama.vX.Y.Z.so), or undefined. */
export function llamaLibraryIn(dir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const candidates = names.filter((n) => /^libllama(\.v[\d.]+)?\.so(\.\d+)*$/.test(n)).sort();
  return candidates.length ? join(dir, candidates[candidates.length - 1]) : undefined;
}

export interface LocateOptions {
  /** config.llamaLibDir() (LLAMA_LIB_DIR), passed in so this file reads no environment. */
  libDir?: string;
  /** runtime.execPath() when running as a compiled executable. */
  execPath?: string;
}

/** The candidate directories in search order. */
export function candidateDirs(options: LocateOptions = {}): string[] {
  const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const dirs: string[] = [];
  if (options.libDir) dirs.push(options.libDir);
  dirs.push(join(repo, "lib"), join(repo, "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"));
  if (options.execPath) {
    const exeDir = dirname(options.execPath);
    dirs.push(exeDir, join(exeDir, "lib"), join(exeDir, "llama-bins"));
  }
  return dirs;
}

/** The libllama path and its directory (where the ggml backends are loaded from). */
export function locateLlama(options: LocateOptions = {}): { libDir: string; libraryPath: string } {
  const dirs = candidateDirs(options);
  if (options.libDir && !existsSync(options.libDir)) {
    throw new LibraryNotFoundError([`${options.libDir} (LLAMA_LIB_DIR, missing)`]);
  }
  for (const dir of dirs) {
    const libraryPath = llamaLibraryIn(dir);
    if (libraryPath) return { libDir: dir, libraryPath };
    // LLAMA_LIB_DIR set but wrong: say so rather than silently using another build
    if (dir === options.libDir) throw new LibraryNotFoundError([`${dir} (LLAMA_LIB_DIR)`]);
  }
  throw new LibraryNotFoundError(dirs);
}

/**
 * libmtmd (images), next to libllama: scripts/build_mtmd.mjs links the one it builds into lib/, a compiled
 * executable extracts it beside libllama, and an LLAMA_LIB_DIR build may bring its own. Only there: a libmtmd
 * built for another libllama would pull that one in too. Undefined when there is none.
 */
export function locateMtmd(libDir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(libDir);
  } catch {
    return undefined;
  }
  const found = names.filter((n) => /^libmtmd\.so(\.\d+)*$/.test(n)).sort()[0];
  return found ? join(libDir, found) : undefined;
}
