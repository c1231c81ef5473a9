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
 * The AbortController of one request. A streamed response aborts it when the client goes away (the stream is
 * cancelled). `request.signal` is not used: Deno's legacy behaviour aborts it after every successful response.
 */
export function requestAbort(_request: Request): AbortController {
  return new AbortController();
}
