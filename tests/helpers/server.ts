/**
 * A real tollama server (the same `serve()` `tollama serve` runs) on a loopback port over a temp store:
 * ```ts
 * await using server = await startTestServer();
 * server.url; server.store; server.dir; server.scheduler
 * ```
 * Disposing stops the server, unloads every model and removes the store.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "../../src/store/mod.ts";
import { parseModelName } from "../../src/registry/mod.ts";
import { serve, type ServeOptions, type TollamaServer } from "../../src/server/mod.ts";

export interface TestServer extends AsyncDisposable {
  url: string;
  dir: string;
  store: Store;
  server: TollamaServer;
  scheduler: TollamaServer["scheduler"];
}

export async function startTestServer(options: { scheduler?: ServeOptions["scheduler"] } = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-server-"));
  const server = await serve({ hostname: "127.0.0.1", port: 0, modelsDir: dir, scheduler: options.scheduler });
  return {
    url: server.url,
    dir,
    store: server.store,
    server,
    scheduler: server.scheduler,
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
    file_type: "F32",
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

/** Uploads a file through POST /api/blobs/:digest (what `tollama create` does first) and returns its digest. */
export async function uploadBlob(server: TestServer, path: string): Promise<string> {
  const bytes = await readFile(path);
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const response = await fetch(`${server.url}/api/blobs/${digest}`, { method: "POST", body: bytes });
  assert.ok(response.status === 201 || response.status === 200, `upload ${path}: ${response.status}`);
  await response.body?.cancel();
  return digest;
}

/** POSTs `body` as JSON and returns the status with the parsed JSON reply. */
// deno-lint-ignore no-explicit-any
export async function postJson(server: TestServer, path: string, body: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(server.url + path, { method: "POST", body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}
