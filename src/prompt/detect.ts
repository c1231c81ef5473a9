/**
 * Picks a named template for an imported GGUF from its Jinja `tokenizer.chat_template`, as Ollama
 * does at create time: the known fingerprint with the smallest Levenshtein distance wins, accepted
 * only below 100 edits.
 * @module
 */
import { namedTemplates } from "./templates/mod.ts";
import type { NamedTemplate } from "./templates/types.ts";

/** Distances at or above this are no match (Ollama's threshold). */
export const DETECT_THRESHOLD = 100;

/** The detected template and how far its closest fingerprint was. */
export interface Detected {
  template: NamedTemplate;
  distance: number;
}

/**
 * The named template whose fingerprint is closest to `chatTemplate`, or null when none is closer
 * than {@linkcode DETECT_THRESHOLD} edits. Ties go to the earlier entry.
 */
export function detectTemplate(
  chatTemplate: string,
  templates: readonly NamedTemplate[] = namedTemplates,
): Detected | null {
  const input = Array.from(chatTemplate);
  let best: Detected | null = null;
  for (const template of templates) {
    for (const fingerprint of template.fingerprints) {
      const limit = best === null ? DETECT_THRESHOLD : best.distance;
      const d = boundedLevenshtein(input, Array.from(fingerprint), limit);
      if (d < limit) best = { template, distance: d };
    }
  }
  return best;
}

/**
 * Levenshtein distance between two code-point arrays when it is below `limit`, else `limit`.
 * Only a diagonal band of width 2·limit is computed, so a long template costs O(n·limit).
 */
export function boundedLevenshtein(a: readonly string[], b: readonly string[], limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  if (a.length < b.length) [a, b] = [b, a];
  const n = b.length;
  const big = limit + 1;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j < big ? j : big;
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - limit);
    const hi = Math.min(n, i + limit);
    cur.fill(big);
    cur[0] = i < big ? i : big;
    let rowMin = cur[0];
    const ca = a[i - 1];
    for (let j = lo; j <= hi; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca === b[j - 1] ? 0 : 1));
      cur[j] = v < big ? v : big;
      if (cur[j] < rowMin) rowMin = cur[j];
    }
    if (rowMin >= limit) return limit;
    [prev, cur] = [cur, prev];
  }
  return Math.min(prev[n], limit);
}
