/**
 * Picks a named template for an imported GGUF from its Jinja `tokenizer.chat_template`, as Ollama
 * does at create time: the known fingerprint with the smallest Levenshtein distance wins, accepted
 * only below 100 edits. Beyond Ollama: when no fingerprint is that close, a template that uses a
 * format's own special tokens (ChatML's `<|im_start|>`/`<|im_end|>`, Llama 3's headers...) is still
 * recognised, so a model's custom system prompt or extra branches do not cost it its format.
 * @module
 */
import { namedTemplates } from "./templates/mod.ts";
import type { NamedTemplate } from "./templates/types.ts";

/** Distances at or above this are no match (Ollama's threshold). */
export const DETECT_THRESHOLD = 100;

/** The detected template and how far its closest fingerprint was (Infinity when found by its tokens). */
export interface Detected {
  template: NamedTemplate;
  distance: number;
}

/**
 * Special tokens that only one format uses, all required; checked in order. Formats whose tokens are shared
 * by several named templates (Gemma 2 and 3, Llama 2 and Mistral) are left out: a guess there could be wrong.
 */
const FORMAT_MARKERS: ReadonlyArray<{ name: string; markers: readonly string[] }> = [
  { name: "llama3-instruct", markers: ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"] },
  { name: "command-r", markers: ["<|START_OF_TURN_TOKEN|>", "<|END_OF_TURN_TOKEN|>"] },
  { name: "granite-instruct", markers: ["<|start_of_role|>", "<|end_of_role|>"] },
  { name: "phi-3", markers: ["<|user|>", "<|assistant|>", "<|end|>"] },
  { name: "chatml", markers: ["<|im_start|>", "<|im_end|>"] },
];

function detectByMarkers(chatTemplate: string, templates: readonly NamedTemplate[]): Detected | null {
  for (const { name, markers } of FORMAT_MARKERS) {
    if (!markers.every((marker) => chatTemplate.includes(marker))) continue;
    const template = templates.find((t) => t.name === name);
    if (template) return { template, distance: Infinity };
  }
  return null;
}

/**
 * The named template whose fingerprint is closest to `chatTemplate`; when none is closer than
 * {@linkcode DETECT_THRESHOLD} edits, the format whose special tokens it uses; else null. Ties go to the earlier entry.
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
  return best ?? detectByMarkers(chatTemplate, templates);
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
