/**
 * The projector libmtmd should load for a file: a published-Ollama model with its vision tower inside, or a
 * projector without a type, gets its translation written as a small mmproj GGUF of its own (the vision part only,
 * a few hundred MB next to gigabytes of text weights), made once and kept in a cache directory.
 * @module
 */
import { createHash } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { config } from "../config.ts";
import { GgufError, readGguf } from "../gguf/mod.ts";
import { writeDerivedFile } from "./derived_file.ts";
import { CLIP_FAMILIES, translateProjector } from "./translate_projector.ts";

/** Bump when a vision family's translation changes, so projectors translated the old way are made again. */
const PROJECTOR_VERSION = 1;
const QUICK_ARRAY_ELEMENTS = 64;
const pending = new Map<string, Promise<string>>();

export interface CompatProjectorPathOptions {
  /** Where translated projectors are kept. Default: `compat/` beside the store's `blobs/`, else in OLLAMA_MODELS. */
  cacheDir?: string;
}

/**
 * The path of the translated projector of the file at `path`, or undefined when the file has no vision part to
 * translate (a text model, a llama.cpp mmproj, not a readable GGUF). Throws CompatError for a vision part that
 * cannot be translated.
 */
export async function compatProjectorPath(
  path: string,
  options: CompatProjectorPathOptions = {},
): Promise<string | undefined> {
  let file;
  try {
    const quick = await readGguf(path, { maxArrayElements: QUICK_ARRAY_ELEMENTS });
    if (!CLIP_FAMILIES.some((family) => family.detect(quick))) return undefined;
    file = await readGguf(path);
  } catch (error) {
    if (error instanceof GgufError || (error as { code?: string }).code) return undefined;
    throw error;
  }
  const translation = translateProjector(file);
  if (!translation) return undefined;
  // a store blob's projector is named for the blob beside the store's other derived files, so it goes with the blob
  // (src/store/derived_files.ts); any other file's is keyed by its path, size and modification time
  const parent = dirname(resolve(path));
  const blob = basename(parent) === "blobs" && /^sha256-[0-9a-f]{64}$/.test(basename(path));
  const cacheDir = options.cacheDir ?? (blob ? join(dirname(parent), "compat") : join(config.modelsDir(), "compat"));
  const { mtimeMs, size } = await stat(path);
  const key = blob
    ? basename(path)
    : `file-${createHash("sha256").update(`${resolve(path)}\0${size}\0${mtimeMs}`).digest("hex").slice(0, 32)}`;
  const dest = join(cacheDir, `${key}.${translation.family}.v${PROJECTOR_VERSION}.gguf`);
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

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
