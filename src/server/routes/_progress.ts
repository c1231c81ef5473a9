/** Shared by pull, push and create: a progress stream as NDJSON, or (`stream:false`) its last object. */
import type { Context } from "hono";
import type { ProgressResponse } from "../schemas.ts";
import { errorResponse } from "../errors.ts";
import { ndjsonResponse } from "../stream.ts";

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
 * The AbortController of one request: aborted when the client goes away, through `request.signal`. (Deno aborts
 * that signal after every successful response too, unless deno.json opts out of this legacy behaviour with
 * `"unstable": ["no-legacy-abort"]`, as tollama's does; either way the handler has finished by then.)
 */
export function requestAbort(request: Request): AbortController {
  const abort = new AbortController();
  const signal = request.signal;
  if (signal.aborted) abort.abort();
  else signal.addEventListener("abort", () => abort.abort(), { once: true });
  return abort;
}
