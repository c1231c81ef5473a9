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

/** Installs a GGUF file as model `name` (weights layer + optional template/system/params layers + config). */
export async function installGguf(
  store: Store,
  name: string,
  path: string,
  layers: { template?: string; system?: string; params?: Record<string, unknown>; config?: Record<string, unknown> } = {},
): Promise<void> {
  const { createReadStream } = await import("node:fs");
  const { parseModelName } = await import("../../src/registry/mod.ts");
  const weights = await store.writeBlob(createReadStream(path) as unknown as AsyncIterable<Uint8Array>);
  const encode = (text: string) => new TextEncoder().encode(text);
  const layer = async (kind: string, text: string) => {
    const blob = await store.writeBlob(encode(text));
    return { mediaType: `application/vnd.ollama.image.${kind}`, digest: blob.digest, size: blob.size };
  };
  const list = [{ mediaType: "application/vnd.ollama.image.model", digest: weights.digest, size: weights.size }];
  if (layers.template !== undefined) list.push(await layer("template", layers.template));
  if (layers.system !== undefined) list.push(await layer("system", layers.system));
  if (layers.params) list.push(await layer("params", JSON.stringify(layers.params)));
  const config = await layer("config", JSON.stringify({
    model_format: "gguf",
    model_family: "llama",
    model_families: ["llama"],
    model_type: "4M",
    file_type: "F16",
    architecture: "amd64",
    os: "linux",
    ...layers.config,
  }));
  await store.writeManifest(parseModelName(name), {
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { ...config, mediaType: "application/vnd.docker.container.image.v1+json" },
    layers: list,
  });
}
