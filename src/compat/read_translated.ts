/**
 * A model file's header as libllama will see it, read from disk: for /api/show, create and the scheduler's memory
 * estimate, which must describe a published-Ollama blob by llama.cpp's keys and tensors, as its twin is described.
 * @module
 */
import { type GgufFile, readGguf, type ReadGgufOptions } from "../gguf/mod.ts";
import { FAMILIES } from "./families.ts";
import { translatedView } from "./translated_view.ts";

/** Arrays a marker may look into are shorter than this (M-RoPE sections, deepstack indexes). */
const MARKER_ARRAY_ELEMENTS = 64;

/**
 * `readGguf(path, options)`, translated (`translatedView`) when the file carries a published-Ollama marker. Arrays
 * longer than `maxArrayElements` are left out of the result as readGguf leaves them (value [], length in
 * `skippedArrays`). Throws GgufError for a file that is not a GGUF, CompatError for a marked file that is malformed.
 */
export async function readTranslatedGguf(path: string, options: ReadGgufOptions = {}): Promise<GgufFile> {
  const limit = options.maxArrayElements;
  const quick = await readGguf(path, { maxArrayElements: Math.max(limit ?? Infinity, MARKER_ARRAY_ELEMENTS) });
  const marked = FAMILIES.some((family) => (family.mayMatch ?? family.detect)(quick));
  if (!marked) return limit === undefined || limit >= MARKER_ARRAY_ELEMENTS ? quick : skipLongArrays(quick, limit);
  const view = translatedView(Object.keys(quick.skippedArrays).length ? await readGguf(path) : quick);
  return limit === undefined ? view : skipLongArrays(view, limit);
}

/** `file` with its arrays longer than `limit` emptied and counted in `skippedArrays`, as readGguf would leave them. */
function skipLongArrays(file: GgufFile, limit: number): GgufFile {
  const metadata = { ...file.metadata };
  const skippedArrays = { ...file.skippedArrays };
  for (const [key, value] of Object.entries(metadata)) {
    if (Array.isArray(value) && value.length > limit) {
      skippedArrays[key] = value.length;
      metadata[key] = [];
    }
  }
  return { ...file, metadata, skippedArrays };
}
