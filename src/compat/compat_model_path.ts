/**
 * Finding a model file's translation (readTranslation), and the derived-file route: the translation written as a
 * GGUF of its own, kept in a cache directory, for the cases loadModelFile (user_load.ts) cannot load without it.
 * @module
 */
import { createHash } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { config } from "../config.ts";
import { GgufError, readGguf } from "../gguf/mod.ts";
import { FAMILIES } from "./families.ts";
import { translateHeader, type Translation } from "./translate_header.ts";
import { writeDerivedFile } from "./derived_file.ts";

/** Bump when a family's translation changes, so files translated the old way are made again. */
const TRANSLATOR_VERSION = 1;

export interface CompatModelPathOptions {
  /**
   * Where translated files are kept (created when needed). Default: `compat/` beside the store's `blobs/` for a
   * store blob, else `compat/` in OLLAMA_MODELS.
   */
  cacheDir?: string;
}

function defaultCacheDir(path: string): string {
  const parent = dirname(resolve(path));
  return basename(parent) === "blobs" ? join(dirname(parent), "compat") : join(config.modelsDir(), "compat");
}

/** Arrays longer than this are skipped by the first read (M-RoPE sections and deepstack indexes are shorter). */
const QUICK_ARRAY_ELEMENTS = 64;
const pending = new Map<string, Promise<string>>();

/**
 * The translation of a published-Ollama file (its header in llama.cpp's layout, tensors pointing at the file's byte
 * ranges), or undefined for a file libllama loads as it is (no marker, or not a readable GGUF: the load then reports
 * it as before). Reads only the header. Throws CompatError for a published-Ollama file malformed for its architecture.
 */
export async function readTranslation(path: string): Promise<Translation | undefined> {
  let file;
  try {
    // most files carry no marker: tell from the header without its long arrays (a 128k vocabulary is ~4x slower)
    const quick = await readGguf(path, { maxArrayElements: QUICK_ARRAY_ELEMENTS });
    if (!FAMILIES.some((family) => (family.mayMatch ?? family.detect)(quick))) return undefined;
    file = await readGguf(path);
  } catch (error) {
    if (error instanceof GgufError || (error as { code?: string }).code) return undefined;
    throw error;
  }
  return translateHeader(file);
}

/**
 * The derived-file route, the fallback of loadModelFile (user_load.ts) where a load from the translated header
 * cannot be used: `path` when libllama can load it as it is; otherwise the path of its translation written as a GGUF
 * of its own (a second copy of the weights, made on first use and kept in `cacheDir`). Throws CompatError for a
 * published-Ollama file that is malformed for its architecture.
 */
export async function compatModelPath(path: string, options: CompatModelPathOptions = {}): Promise<string> {
  const translation = await readTranslation(path);
  if (!translation) return path;
  const cacheDir = options.cacheDir ?? defaultCacheDir(path);
  const dest = join(cacheDir, `${await sourceKey(path)}.${translation.family}.v${TRANSLATOR_VERSION}.gguf`);
  let writing = pending.get(dest);
  if (!writing) {
    writing = (async () => {
      if (await exists(dest)) return dest;
      await mkdir(cacheDir, { recursive: true });
      await writeDerivedFile(translation, path, dest);
      return dest;
    })().finally(() => pending.delete(dest));
    pending.set(dest, writing);
  }
  return await writing;
}

/** A store blob's digest; for any other file, a hash of its path, size and modification time. */
export async function sourceKey(path: string): Promise<string> {
  const name = basename(path);
  if (/^sha256-[0-9a-f]{64}$/.test(name)) return name;
  const full = resolve(path);
  const { mtimeMs, size } = await stat(full);
  return `file-${createHash("sha256").update(`${full}\0${size}\0${mtimeMs}`).digest("hex").slice(0, 32)}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
