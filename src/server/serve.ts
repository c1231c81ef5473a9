/**
 * `serve(opts)`: the whole server over the real parts — the store at OLLAMA_MODELS (cleaned at start), pull and
 * push through registry/, create and show through modelfile/, models loaded by engine/ behind the scheduler,
 * prompts rendered by prompt/ — bound on OLLAMA_HOST. This is what `tollama serve` and the library's `serve` run.
 * @module
 */
import { config } from "../config.ts";
import { log } from "../log.ts";
import { type LoadSpec, Scheduler, type SchedulerOptions, systemMemoryBudget } from "../engine/mod.ts";
import { parseModelName, pullModel, pushModel } from "../registry/mod.ts";
import { Store } from "../store/mod.ts";
import { createModel, listDetails, showModel } from "../modelfile/mod.ts";
import type { ServerRunner } from "./deps.ts";
import { loadEngineRunner } from "./engine_adapter.ts";
import { promptRenderer } from "./prompt_adapter.ts";
import { progressStream } from "./progress_stream.ts";
import { type RunningServer, startServer } from "./server.ts";
import { storeAdapter } from "./store_adapter.ts";
import type { ProgressResponse } from "./schemas.ts";

export interface ServeOptions {
  /** Default: OLLAMA_HOST's host. */
  hostname?: string;
  /** Default: OLLAMA_HOST's port; 0 picks a free one. */
  port?: number;
  /** Default: OLLAMA_MODELS (~/.ollama/models). */
  modelsDir?: string;
  signal?: AbortSignal;
  /** One line per request on stdout, as Ollama's gin logger writes (`tollama serve` turns it on). Default: OLLAMA_DEBUG. */
  logRequests?: boolean;
  /** Advanced (tests): scheduler settings over the OLLAMA_* defaults, e.g. `maxQueue`. */
  scheduler?: Partial<SchedulerOptions<ServerRunner>>;
  /** Keys a request must present. Default: TOLLAMA_API_KEY. */
  apiKeys?: string[];
  /** GET /metrics. Default: TOLLAMA_METRICS (on). */
  metrics?: boolean;
}

/** A running server with the parts it was built from. */
export interface TollamaServer extends RunningServer {
  readonly store: Store;
  readonly scheduler: Scheduler<ServerRunner>;
}

/**
 * Starts the server; `close()` stops it and unloads every model.
 * @example
 * ```ts
 * const server = await serve({ port: 0 });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function serve(options: ServeOptions = {}): Promise<TollamaServer> {
  const modelsDir = options.modelsDir ?? config.modelsDir();
  const store = await Store.open(modelsDir);
  await store.cleanup().catch((error) => log.warn("store cleanup failed", { error: (error as Error).message }));
  // One sequence per embedding model; OLLAMA_NUM_PARALLEL for the others, decoded together by the engine.
  const parallel = (spec: LoadSpec) => (spec.extra?.embedding ? 1 : config.numParallel());
  const scheduler = new Scheduler<ServerRunner>({
    loadRunner: (spec, signal) => loadEngineRunner(spec, signal, { numParallel: parallel(spec) }),
    maxLoaded: config.maxLoadedModels,
    maxQueue: config.maxQueue,
    keepAliveMs: config.keepAliveMs,
    // engine/ decodes up to numParallel requests of a model together (continuous batching); more wait in its worker.
    parallel: () => config.numParallel(),
    // a new model loads beside the others only when its estimate fits (Ollama's scheduler); else one is evicted
    memory: systemMemoryBudget(parallel),
    ...options.scheduler,
  });
  const adapter = storeAdapter(store, {
    pull: (name, o) =>
      progressStream<ProgressResponse>((emit) =>
        pullModel(name, { modelsDir, insecure: o.insecure, signal: o.signal, onProgress: emit })
      ),
    push: (name, o) =>
      progressStream<ProgressResponse>((emit) =>
        pushModel(name, { modelsDir, insecure: o.insecure, signal: o.signal, onProgress: emit })
      ),
    create: (request, signal) =>
      progressStream<ProgressResponse>((emit) =>
        createModel(store, request, {
          onProgress: emit,
          signal,
          pull: (name, o) => pullModel(name, { modelsDir, onProgress: o.onProgress, signal: o.signal }),
        })
      ),
    show: async (name, o) => ({ ...await showModel(store, parseModelName(name), o) }),
    describe: (stored) => listDetails(store, stored),
  });
  const server = await startServer({
    hostname: options.hostname,
    port: options.port,
    signal: options.signal,
    logRequests: options.logRequests ?? config.debugLevel() >= 1,
    apiKeys: options.apiKeys ?? config.apiKeys(),
    metrics: (options.metrics ?? config.metrics()) ? undefined : false,
    store: adapter,
    scheduler,
    prompt: promptRenderer,
  });
  return Object.assign(server, { store, scheduler });
}
