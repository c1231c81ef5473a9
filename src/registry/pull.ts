/**
 * `pullModel`: Ollama's pull (server/images.go PullModel), with downloads that survive stalls, resets, kills and
 * restarts (see download/blob_download.ts). Steps and progress events are Ollama's: `pulling manifest`, one
 * `pulling <digest[7:19]>` stream per layer, `verifying sha256 digest`, `writing manifest`, `removing unused
 * layers` (only when old layers were orphaned), `success`. The manifest is written last, atomically, as the exact
 * bytes the registry sent; after a successful pull the store holds only manifests and blobs.
 * @module
 */
import { config } from "../config.ts";
import { manifestDigests, normalizeDigest, parseManifest, Store } from "../store/mod.ts";
import { createAuthHook } from "./auth.ts";
import { downloadBlob } from "./download/blob_download.ts";
import {
  type AuthHook,
  MANIFEST_MEDIA_TYPE,
  registryFetch,
  type RegistrySession,
  RequestTimeoutError,
  retryOnTimeout,
} from "./http.ts";
import { parseModelName, registryBaseUrl, repositoryOf } from "./name.ts";

/** One progress event, shaped like Ollama's `api.ProgressResponse`. */
export interface PullProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

export interface PullOptions {
  /** Store directory (default OLLAMA_MODELS, else ~/.ollama/models). */
  modelsDir?: string;
  /** Allow http registries (`http://` names, or any name: every registry URL becomes http). */
  insecure?: boolean;
  /** No byte for this long and a part is retried (default TOLLAMA_STALL_TIMEOUT_MS, else 30000). */
  stallTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
  /** Advanced: answers registry 401s (default: Ollama's signed token request, Basic from ~/.docker/config.json). */
  auth?: AuthHook;
  /** Advanced: bytes per ranged part (default size/64 within [8 MiB, 128 MiB]). */
  partSize?: number;
  /** Advanced: parts downloading at once (default adaptive: 1, doubling up to 8 while that raises a slow rate). */
  concurrency?: number;
  /** Advanced: failed attempts in a row per part before `max retries exceeded` (default 6). */
  maxRetries?: number;
  /** Advanced: first retry delay in ms (default 500, doubling with jitter, at most 10 s). */
  retryBaseMs?: number;
  /** Advanced: blobs at least this big are written and hashed in a worker thread (default 32 MiB; smaller blobs
   * are written and hashed by the pulling thread, where starting a thread would cost more than it saves). */
  workerMinBytes?: number;
  /** Advanced: milliseconds between progress events of a layer (default 60, as Ollama). */
  progressIntervalMs?: number;
}

/**
 * Pulls a model from its registry into the store.
 * @example
 * ```ts
 * await pullModel("127.0.0.1:5000/library/tiny:latest", {
 *   insecure: true,
 *   onProgress: (p) => console.log(p.status, p.completed ?? "", p.total ?? ""),
 * });
 * ```
 */
export async function pullModel(name: string, options: PullOptions = {}): Promise<void> {
  const parsed = parseModelName(name);
  const emit = options.onProgress ?? (() => {});
  const store = await Store.open(options.modelsDir);
  const target = await store.resolve(parsed);
  const base = registryBaseUrl(parsed, { insecure: options.insecure });
  const session: RegistrySession = {};
  const auth = options.auth ?? createAuthHook({ signal: options.signal });
  const retries = options.maxRetries ?? 6;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const stallTimeoutMs = options.stallTimeoutMs ?? config.stallTimeoutMs();

  // Layers of the model as it is now: candidates for removal once the new manifest is in.
  let previous: string[] = [];
  try {
    const existing = await store.findManifest(target);
    if (existing) previous = manifestDigests(existing.manifest);
  } catch {
    // A corrupt local manifest is replaced by the pull (Ollama warns and goes on).
  }

  emit({ status: "pulling manifest" });
  const repo = repositoryOf(parsed);
  const manifestUrl = `${base}/v2/${repo}/manifests/${parsed.tag}`;
  let raw: Uint8Array;
  let manifest;
  try {
    raw = await retryOnTimeout(stallTimeoutMs, retries, options.signal, async (signal) => {
      const response = await registryFetch(manifestUrl, {
        headers: { accept: MANIFEST_MEDIA_TYPE },
      }, { auth, session, signal, retries, backoffMs: retryBaseMs });
      return new Uint8Array(await response.arrayBuffer());
    });
    manifest = parseManifest(raw);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    // A registry that took the request and never answered: name the URL, as a failed connection does.
    const message = error instanceof RequestTimeoutError ? `Get "${manifestUrl}": ${error.message}` : (error as Error).message;
    throw new Error(`pull model manifest: ${message}`, { cause: error });
  }

  const layers = [...manifest.layers];
  if (manifest.config?.digest) layers.push(manifest.config);
  const interval = options.progressIntervalMs ?? 60;
  for (const layer of layers) {
    const digest = normalizeDigest(layer.digest);
    const status = `pulling ${digest.slice(7, 19)}`;
    let completed = 0;
    let lastEmit = 0;
    const report = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastEmit < interval) return;
      lastEmit = now;
      emit({ status, digest: layer.digest, total: layer.size, completed });
    };
    await downloadBlob({
      store,
      digest,
      size: layer.size,
      blobUrl: new URL(`${base}/v2/${repo}/blobs/${digest}`),
      auth,
      session,
      stallTimeoutMs,
      signal: options.signal,
      partSize: options.partSize,
      concurrency: options.concurrency,
      maxRetries: retries,
      retryBaseMs,
      workerMinBytes: options.workerMinBytes,
      onProgress: (done) => {
        completed = done;
        report(false);
      },
    });
    completed = layer.size;
    report(true);
  }

  // Each blob was checked against its digest before it got its name; this step is kept for Ollama's clients.
  emit({ status: "verifying sha256 digest" });
  for (const layer of layers) {
    if (!(await store.hasBlob(layer.digest))) throw new Error(`blob ${layer.digest} vanished before the manifest was written`);
  }

  emit({ status: "writing manifest" });
  options.signal?.throwIfAborted();
  await store.writeManifest(target, raw);

  const kept = new Set(manifestDigests(manifest));
  const orphaned = previous.filter((digest) => !kept.has(digest));
  if (!config.noPrune() && orphaned.length > 0) {
    emit({ status: "removing unused layers" });
    try {
      await store.removeUnusedBlobs(orphaned);
    } catch (error) {
      emit({ status: `couldn't remove unused layers: ${(error as Error).message}` });
    }
  }
  emit({ status: "success" });
}

