/**
 * Where a blob's bytes really come from. Ollama's registry answers a blob GET with a 307 to a CDN; resolving that
 * once and sending every part there (Ollama's c8af3c2) avoids a redirect round trip per part and a thundering herd
 * on the registry. Same-host redirects are followed (at most 10); the first cross-host one is the answer; a registry
 * that serves the bytes itself (200/206) is its own direct URL.
 * @module
 */
import { type AuthHook, registryFetch, type RegistrySession, retryOnTimeout } from "../http.ts";

export interface ResolveOptions {
  auth?: AuthHook;
  session: RegistrySession;
  signal?: AbortSignal;
  retries: number;
  backoffMs: number;
  /** Bound on the whole resolution (Ollama: 30 s). */
  timeoutMs?: number;
  /** Bound on each request (the stall timeout). */
  stallTimeoutMs?: number;
}

export async function resolveDirectUrl(blobUrl: URL, options: ResolveOptions): Promise<URL> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timer = setTimeout(
    () => controller.abort(new Error(`resolving the download URL took more than ${timeoutMs / 1000} s`)),
    timeoutMs,
  );
  try {
    let url = blobUrl;
    for (let hops = 0; hops <= 10; hops++) {
      const hop = url;
      const response = await retryOnTimeout(options.stallTimeoutMs ?? timeoutMs, options.retries, controller.signal, (signal) =>
        registryFetch(hop, { redirect: "manual", headers: { range: "bytes=0-0" } }, {
          auth: hop.origin === blobUrl.origin ? options.auth : undefined,
          session: hop.origin === blobUrl.origin ? options.session : {},
          signal,
          retries: options.retries,
          backoffMs: options.backoffMs,
        }));
      await response.body?.cancel().catch(() => {});
      if (response.status === 200 || response.status === 206) return url;
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, url);
        if (next.hostname !== blobUrl.hostname) return next;
        url = next;
        continue;
      }
      throw new Error(`unexpected status code ${response.status}`);
    }
    throw new Error("maximum redirects exceeded (10) for directURL");
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}
