/**
 * A model file's GGUF header as libllama will load it: a published-Ollama blob read through its translation, so
 * show, create and quantize describe it by llama.cpp's keys and tensors, as they describe its llama.cpp twin.
 * @module
 */
import { CompatError, readTranslatedGguf } from "../compat/mod.ts";
import { type GgufFile, readGguf, type ReadGgufOptions } from "../gguf/mod.ts";

/**
 * The translated header of `path` (the header itself without a published-Ollama marker). A marked file that cannot
 * be translated gives its own header: it is shown and stored as it is, and its load names the problem.
 */
export async function readModelHeader(path: string, options: ReadGgufOptions = {}): Promise<GgufFile> {
  try {
    return await readTranslatedGguf(path, options);
  } catch (error) {
    if (error instanceof CompatError) return await readGguf(path, options);
    throw error;
  }
}
