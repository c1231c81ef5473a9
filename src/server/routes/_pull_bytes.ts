/** Pull progress passed through unchanged while its downloaded bytes feed `tollama_pull_bytes_total`. */
import type { ProgressResponse } from "../schemas.ts";
import type { ServerMetrics } from "../metrics.ts";

/**
 * Counts each layer's growth of `completed` from the first value seen for its digest: a blob already present, or
 * the bytes a resumed pull found on disk, were not downloaded by this pull and are not counted.
 */
export async function* countPulledBytes(
  source: AsyncIterable<ProgressResponse>,
  metrics: ServerMetrics,
): AsyncGenerator<ProgressResponse> {
  const seen = new Map<string, number>();
  for await (const progress of source) {
    if (progress.digest && typeof progress.completed === "number") {
      const before = seen.get(progress.digest);
      if (before !== undefined && progress.completed > before) metrics.pullBytes.inc({}, progress.completed - before);
      if (before === undefined || progress.completed > before) seen.set(progress.digest, progress.completed);
    }
    yield progress;
  }
}
