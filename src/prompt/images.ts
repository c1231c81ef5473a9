/**
 * Ollama's image placeholders for template-rendered prompts: each image of the rendered messages
 * gets an id in order, and its tag `[img-<id>]` either replaces the next `[img]` marker in the
 * message's content or is prefixed to it. The runner then puts the image's embeddings there.
 * @module
 */
import { Buffer } from "node:buffer";
import type { Message } from "./types.ts";

/** Messages with image tags in their content, and the images in id order. */
export interface TaggedImages {
  messages: Message[];
  /** Image data (base64, as received); index = the N of `[img-N]`. */
  images: string[];
}

/** Replaces `[img]` markers (or prefixes tags) for every image, numbering from 0. */
export function tagImages(messages: readonly Message[]): TaggedImages {
  const images: string[] = [];
  const out = messages.map((m) => {
    if (!m.images?.length) return m;
    let content = m.content;
    let prefix = "";
    for (const image of m.images) {
      const tag = `[img-${images.length}]`;
      images.push(image);
      if (content.includes("[img]")) content = content.replace("[img]", tag);
      else prefix += tag;
    }
    return { ...m, content: prefix + content };
  });
  return { messages: out, images };
}

/** Images as sent (standard base64, already checked by the request schema) → the files' bytes for the engine. */
export function decodeImages(images: readonly string[]): Uint8Array[] {
  return images.map((image) => new Uint8Array(Buffer.from(image, "base64")));
}
