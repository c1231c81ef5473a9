/**
 * Image paths in a `tollama run` prompt, as Ollama's CLI finds them for a vision model: paths that start with
 * `./`, `/` or `\` (a drive letter allowed) and end in .jpg/.jpeg/.png/.webp, spaces escaped with `\`. Each file
 * that exists is attached (base64) and its path taken out of the prompt; a missing file leaves the text as it is.
 * @module
 */
import { Buffer } from "node:buffer";
import { readFile } from "node:fs/promises";

const IMAGE_PATH = /(?:[a-zA-Z]:)?(?:\.\/|\/|\\)(?:\\ |\S)+?\.(?:jpg|jpeg|png|webp)\b/gi;

export interface PromptImages {
  /** The prompt without the attached paths. */
  prompt: string;
  /** The files' bytes, base64 (the API's `images`). */
  images: string[];
  /** The paths attached, as the person wrote them unescaped (for the "Added image" lines). */
  added: string[];
}

/** Attaches the image files a prompt names; `read` is injectable for tests. */
export async function extractImages(
  input: string,
  read: (path: string) => Promise<Uint8Array> = readFile,
): Promise<PromptImages> {
  const images: string[] = [];
  const added: string[] = [];
  let prompt = input;
  for (const found of input.match(IMAGE_PATH) ?? []) {
    const path = found.replace(/\\ /g, " ");
    let bytes: Uint8Array;
    try {
      bytes = await read(path);
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") continue;
      throw new Error(`couldn't read image ${path}: ${(error as Error).message}`);
    }
    images.push(Buffer.from(bytes).toString("base64"));
    added.push(path);
    for (const text of [`'${path}'`, `'${found}'`, found]) prompt = prompt.split(text).join("");
  }
  return { prompt: prompt.trim(), images, added };
}
