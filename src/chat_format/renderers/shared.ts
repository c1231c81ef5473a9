/**
 * Pieces several of Ollama's renderers share: `[img-N]` placeholders as the server's renderers
 * write them, `think` read as Ollama's `ThinkValue`, and Go's whitespace trimming.
 * @module
 */
import type { Think } from "./types.ts";

/**
 * Image placeholders as Ollama's renderers write them (`renderContentWithImageTags`): each image
 * replaces the next `[img]` or is prefixed, with a space before content that does not start with one;
 * content already holding `[img-` is left as written. Returns the content and the next image id.
 */
export function imageTags(content: string, count: number, offset: number): [string, number] {
  if (count === 0) return [content, offset];
  if (content.includes("[img-")) return [content, offset + count];
  let prefix = "";
  for (let i = 0; i < count; i++) {
    const tag = `[img-${offset + i}]`;
    if (content.includes("[img]")) content = content.replace("[img]", tag);
    else prefix += tag;
  }
  if (prefix && content && !/^\s/u.test(content)) prefix += " ";
  return [prefix + content, offset + count];
}

/** `ThinkValue.Bool()`: thinking on in any way. */
export function thinkOn(think: Think | undefined): boolean {
  return think === true || typeof think === "string";
}

/** `ThinkValue.String()`: the level ("medium" for plain true, "" when off or unset). */
export function thinkLevel(think: Think | undefined): string {
  return typeof think === "string" ? think : think === true ? "medium" : "";
}

/** Go's `strings.TrimSpace` (Unicode white space). */
export function trimSpace(s: string): string {
  return s.replace(/^\s+|\s+$/gu, "");
}

/** `strings.TrimLeft(s, cutset)` for a set of characters. */
export function trimLeftChars(s: string, set: string): string {
  let i = 0;
  while (i < s.length && set.includes(s[i])) i++;
  return s.slice(i);
}

/** `strings.TrimRight(s, cutset)` for a set of characters. */
export function trimRightChars(s: string, set: string): string {
  let i = s.length;
  while (i > 0 && set.includes(s[i - 1])) i--;
  return s.slice(0, i);
}
