/** Shared by pull, push and create: a progress stream as NDJSON, or (`stream:false`) its last object. */
import type { Context } from "hono";
import type { ProgressResponse } from "../schemas.ts";
import { errorResponse } from "../errors.ts";
import { ndjsonResponse } from "../stream.ts";
import { runtime } from "../../runtime/mod.ts";

/** The response for a progress stream; `abort` stops the work when the client leaves. */
export async function progressResponse(
  c: Context,
  source: AsyncIterable<ProgressResponse>,
  options: { stream: boolean; abort: AbortController },
): Promise<Response> {
  if (options.stream) return await ndjsonResponse(source, { abort: options.abort });
  let last: ProgressResponse | undefined;
  try {
    for await (const progress of source) last = progress;
  } catch (error) {
    return errorResponse(error);
  }
  return c.json(last ?? { status: "success" });
}

/**
 * The AbortController of one request: aborted when the client goes away. Streamed responses see that through the
 * stream's cancel; `request.signal` adds it for the rest on Bun. On Deno it is left alone: Deno's legacy behaviour
 * aborts it after every successful response and warns about it, so a non-streamed request runs to its end there.
 */
export function requestAbort(request: Request): AbortController {
  const abort = new AbortController();
  if (runtime.name === "bun") {
    const signal = request.signal;
    if (signal.aborted) abort.abort();
    else signal.addEventListener("abort", () => abort.abort(), { once: true });
  }
  return abort;
}
