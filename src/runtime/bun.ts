import type { Handler, Runtime, ServeOptions, ServerHandle } from "./types.ts";
import { fallbackErrorResponse } from "./error_response.ts";
import process from "node:process";
import { systemMemory } from "./system_memory.ts";

/** The slice of Bun's global this adapter uses (declared here so `deno check` can read this file). */
interface BunServer {
  hostname: string;
  port: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
  requestIP(request: Request): { address: string } | null;
}
interface BunGlobal {
  version: string;
  gc(force: boolean): void;
  serve(options: {
    hostname: string;
    port: number;
    maxRequestBodySize?: number;
    idleTimeout?: number;
    fetch(request: Request, server: BunServer): Response | Promise<Response>;
    error?(error: Error): Response;
  }): BunServer;
}
const Bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;

function serve(handler: Handler, options: ServeOptions): Promise<ServerHandle> {
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    // No limit of the runtime's: Bun's default (128 MiB) refuses most GGUF uploads to /api/blobs with an empty
    // 413. Bodies are streamed; the JSON routes enforce their own limit and answer it in Ollama's error shape.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Generation can be silent for long stretches (a big prefill); Bun's default idle timeout of 10 s would cut it.
    idleTimeout: 0,
    fetch: (request, srv) => handler(request, { remoteAddress: srv.requestIP(request)?.address }),
    error: fallbackErrorResponse,
  });
  const { promise: finished, resolve } = Promise.withResolvers<void>();
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= server.stop(false).then(resolve);
    return closing;
  };
  options.signal?.addEventListener("abort", () => void close(), { once: true });
  return Promise.resolve({ hostname: server.hostname, port: server.port, close, finished });
}

// Modules of a `bun build --compile` executable live in the embedded /$bunfs file system.
const compiled = import.meta.url.includes("$bunfs") || import.meta.url.includes("~BUN");

export const bunRuntime: Runtime = {
  name: "bun",
  version: Bun.version,
  serve,
  env: (name) => process.env[name],
  args: () => process.argv.slice(2),
  exit: (code) => process.exit(code),
  // In a compiled executable every module shares one URL; Bun finds a bundled Worker by its build-root path.
  spawnWorker: (url, options) =>
    new Worker(compiled && options?.entry ? `./${options.entry}` : url, { type: "module", name: options?.name }),
  rss: () => process.memoryUsage().rss,
  systemMemory,
  collectGarbage: () => Bun.gc(true),
  execPath: () => process.execPath,
  compiled,
};
