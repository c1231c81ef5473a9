/**
 * `startServer(opts)`: binds the app with `runtime.serve` on OLLAMA_HOST (or the given host/port) and returns a
 * handle whose `close()` stops listening and unloads every model.
 * @module
 */
import { runtime, type ServerHandle } from "../runtime/mod.ts";
import { config } from "../config.ts";
import { createApp } from "./app.ts";
import type { AppDeps } from "./deps.ts";

export interface StartServerOptions extends Omit<AppDeps, "bindHost"> {
  /** Defaults to OLLAMA_HOST's host. */
  hostname?: string;
  /** Defaults to OLLAMA_HOST's port; 0 picks a free one. */
  port?: number;
  signal?: AbortSignal;
}

export interface RunningServer extends ServerHandle {
  /** `http://host:port` */
  readonly url: string;
}

/** Serves the API until `close()`. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = config.host();
  const hostname = options.hostname ?? host.hostname;
  const port = options.port ?? host.port;
  const app = createApp({
    keepAliveMs: config.keepAliveMs,
    contextLength: config.contextLength,
    origins: config.origins(),
    logRequests: config.debugLevel() >= 1,
    metrics: config.metrics() ? undefined : false,
    apiKeys: config.apiKeys(),
    ...options,
    bindHost: hostname,
  });
  // The peer address reaches the request log as hono's env.
  const handle = await runtime.serve((request, info) => app.fetch(request, info), {
    hostname,
    port,
    // Bodies have no runtime limit: blob uploads stream whole GGUF files to disk, and the JSON routes check
    // their own limit (deps.bodyLimit).
    signal: options.signal,
  });
  const shown = handle.hostname.includes(":") ? `[${handle.hostname}]` : handle.hostname;
  return {
    hostname: handle.hostname,
    port: handle.port,
    url: `http://${shown}:${handle.port}`,
    finished: handle.finished,
    close: async () => {
      await handle.close();
      await options.scheduler.close();
    },
  };
}
