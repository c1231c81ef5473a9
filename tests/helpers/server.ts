/**
 * A real tollama server on a loopback port over a temp store, for end-to-end tests:
 * ```ts
 * await using server = await startTestServer({ loadRunner });
 * server.url; server.store; server.dir
 * ```
 * Closing stops the server, unloads every model and removes the store.
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/mod.ts";
import { type RunningServer, startServer } from "../../src/server/mod.ts";
import type { AppDeps, PromptRenderer, ServerRunner } from "../../src/server/mod.ts";
import { Scheduler, type SchedulerOptions } from "../../src/engine/scheduler.ts";
import { storeAdapter, type StoreAdapterOptions } from "../../src/server/store_adapter.ts";

export interface TestServer extends AsyncDisposable {
  url: string;
  dir: string;
  store: Store;
  server: RunningServer;
  scheduler: Scheduler<ServerRunner>;
}

export async function startTestServer(options: {
  loadRunner?: SchedulerOptions<ServerRunner>["loadRunner"];
  prompt?: PromptRenderer;
  adapter?: StoreAdapterOptions;
  scheduler?: Partial<SchedulerOptions<ServerRunner>>;
  app?: Partial<AppDeps>;
} = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-server-"));
  const store = await Store.open(dir);
  const scheduler = new Scheduler<ServerRunner>({
    loadRunner: options.loadRunner ?? (() => Promise.reject(new Error("no engine in this test"))),
    ...options.scheduler,
  });
  const server = await startServer({
    hostname: "127.0.0.1",
    port: 0,
    store: storeAdapter(store, options.adapter),
    scheduler,
    prompt: options.prompt ?? ({} as PromptRenderer),
    ...options.app,
  });
  return {
    url: server.url,
    dir,
    store,
    server,
    scheduler,
    [Symbol.asyncDispose]: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
