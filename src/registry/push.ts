/**
 * `pushModel()`: a local model to its registry, with Ollama's progress events (server/images.go `PushModel`):
 * `retrieving manifest` → per layer and the config `pushing <digest[7:19]>` {digest, total, completed} →
 * `pushing manifest` → `success`. Blobs the registry has are skipped (HEAD); blobs another repository on the same
 * registry may hold are mounted (a layer's `from`, else other local models of that registry that use the blob);
 * the rest are uploaded in parts (upload.ts). The manifest goes up as the exact bytes of the local file, so the
 * registry's digest of it equals the local model digest.
 * @module
 */
import { type Layer, type ModelRef, Store, type StoredManifest } from "../store/mod.ts";
import { createAuthHook } from "./auth.ts";
import { type AuthHook, MANIFEST_MEDIA_TYPE, registryFetch, type RegistrySession } from "./http.ts";
import { parseModelName, registryBaseUrl, repositoryOf, tryParseModelName } from "./name.ts";
import { uploadBlob, withRetries } from "./upload.ts";

/** One progress event, shaped as Ollama's `api.ProgressResponse`. */
export interface PushProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

export interface PushOptions {
  /** The model store (default OLLAMA_MODELS, or ~/.ollama/models). */
  modelsDir?: string;
  /** Allow http, and use it for every registry URL (Ollama's `insecure`). */
  insecure?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: PushProgress) => void;
  /** Advanced: answers registry 401s (default: Ollama's signed token request, Basic from ~/.docker/config.json). */
  auth?: AuthHook;
  /** Advanced: upload part size in bytes (default: size/16 within 16–64 MiB). */
  partSize?: number;
}

/**
 * The model to push has no readable local manifest: Ollama's `couldn't retrieve manifest` with the reason, said once
 * (Ollama sends the same words as a status line first, so its CLI printed them twice).
 */
export class PushManifestError extends Error {
  readonly model: string;
  constructor(model: string, options?: ErrorOptions) {
    const reason = options?.cause instanceof Error ? options.cause.message : `model "${model}" not found`;
    super(`couldn't retrieve manifest: ${reason}`, options);
    this.name = "PushManifestError";
    this.model = model;
  }
}

/** Progress events for one blob arrive at most this often (Ollama ticks at 60 ms). */
const PROGRESS_INTERVAL_MS = 60;

/**
 * Pushes `name` (`[http://]host/namespace/model[:tag]`) from the local store to its registry.
 * @example
 * ```ts
 * await pushModel("127.0.0.1:5000/me/tiny:latest", { insecure: true, onProgress: (p) => console.log(p.status) });
 * ```
 */
export async function pushModel(name: string, options: PushOptions = {}): Promise<void> {
  const emit = options.onProgress ?? (() => {});
  const target = parseModelName(name);
  emit({ status: "retrieving manifest" });
  const baseUrl = registryBaseUrl(target, { insecure: options.insecure });
  const store = await Store.open(options.modelsDir);
  let stored: StoredManifest | undefined;
  try {
    stored = await store.findManifest(target);
  } catch (error) {
    throw new PushManifestError(name, { cause: error });
  }
  if (!stored) throw new PushManifestError(name);

  const repo = repositoryOf(target);
  const session: RegistrySession = {};
  const auth = options.auth ?? createAuthHook({ signal: options.signal });
  const layers: Layer[] = [...stored.manifest.layers];
  if (stored.manifest.config?.digest) layers.push(stored.manifest.config);
  const sources = await mountSources(store, target, repo, layers);

  for (const layer of layers) {
    options.signal?.throwIfAborted();
    const status = `pushing ${layer.digest.slice(7, 19)}`;
    let last = 0;
    const report = (completed: number, force = false) => {
      const now = Date.now();
      if (!force && now - last < PROGRESS_INTERVAL_MS && completed < layer.size) return;
      last = now;
      emit({ status, digest: layer.digest, total: layer.size, completed });
    };
    report(0, true);
    await uploadBlob(layer, {
      baseUrl,
      repo,
      path: store.blobPath(layer.digest),
      mountFrom: sources.get(layer.digest),
      auth,
      session,
      signal: options.signal,
      partSize: options.partSize,
      onProgress: report,
    });
  }

  emit({ status: "pushing manifest" });
  // A manifest PUT is idempotent (same bytes, same digest), so transient failures are simply retried.
  await withRetries(async () => {
    const put = await registryFetch(`${baseUrl}/v2/${repo}/manifests/${target.tag}`, {
      method: "PUT",
      headers: { "content-type": stored.manifest.mediaType || MANIFEST_MEDIA_TYPE },
      body: stored.raw as Uint8Array<ArrayBuffer>,
    }, { auth, session, signal: options.signal });
    await put.body?.cancel();
  }, { signal: options.signal });
  emit({ status: "success" });
}

/**
 * For each digest, repositories on the target's registry that may already hold it: the layer's `from` model, then
 * other local models of that registry that reference the blob (pushed or pulled from there). A wrong guess costs
 * nothing: the registry answers a failed mount by opening an ordinary upload.
 */
async function mountSources(
  store: Store,
  target: ModelRef,
  repo: string,
  layers: Layer[],
): Promise<Map<string, string[]>> {
  const sameHost = (ref: ModelRef) => ref.host.toLowerCase() === target.host.toLowerCase();
  const sources = new Map<string, string[]>();
  const add = (digest: string, from: string) => {
    if (from.toLowerCase() === repo.toLowerCase()) return;
    const list = sources.get(digest) ?? [];
    if (!list.includes(from)) list.push(from);
    sources.set(digest, list);
  };
  for (const layer of layers) {
    // As Ollama: the `from` model's repository, whatever host it names (a failed mount costs nothing).
    const from = layer.from ? tryParseModelName(layer.from) : undefined;
    if (from) add(layer.digest, repositoryOf(from));
  }
  const wanted = new Set(layers.map((layer) => layer.digest));
  let others: StoredManifest[] = [];
  try {
    others = await store.list();
  } catch {
    return sources; // mounting is an optimisation; an unreadable store listing only costs uploads
  }
  for (const other of others) {
    if (!sameHost(other.name)) continue;
    for (const layer of [...other.manifest.layers, other.manifest.config]) {
      if (layer && wanted.has(layer.digest)) add(layer.digest, repositoryOf(other.name));
    }
  }
  return sources;
}
