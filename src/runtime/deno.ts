import type { Handler, Runtime, ServeOptions, ServerHandle } from "./types.ts";
import { fallbackErrorResponse } from "./error_response.ts";

async function serve(handler: Handler, options: ServeOptions): Promise<ServerHandle> {
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    signal: options.signal,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
    onError: fallbackErrorResponse,
  }, (request, info) => handler(request, { remoteAddress: (info.remoteAddr as Deno.NetAddr).hostname }));
  const addr = await listening;
  return {
    hostname: addr.hostname,
    port: addr.port,
    close: async () => {
      await server.shutdown();
    },
    finished: server.finished,
  };
}

function denoCompiled(): boolean {
  // deno compile sets Deno.build.standalone where available; the main module lives under a temp "deno-compile-" root.
  // a Worker has no Deno.mainModule (the worker of a model imports config, and with it this adapter)
  return (Deno.build as { standalone?: boolean }).standalone === true || (Deno.mainModule ?? "").includes("deno-compile-");
}

export const denoRuntime: Runtime = {
  name: "deno",
  version: Deno.version.deno,
  serve,
  env: (name) => Deno.env.get(name),
  args: () => [...Deno.args],
  exit: (code) => Deno.exit(code),
  spawnWorker: (url, options) =>
    new Worker(denoCompiled() && options?.entry ? new URL(`./${options.entry}`, Deno.mainModule) : url, {
      type: "module",
      name: options?.name,
    }),
  rss: () => Deno.memoryUsage().rss,
  systemMemory: () => {
    const info = Deno.systemMemoryInfo();
    return { total: info.total, free: info.available, swapFree: info.swapFree };
  },
  // V8 exposes no collection without --expose-gc; Deno's heap gives memory back on its own (campaign: +17 MB idle).
  collectGarbage: () => {},
  execPath: () => Deno.execPath(),
  compiled: denoCompiled(),
};
