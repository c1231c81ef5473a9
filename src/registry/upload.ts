/**
 * One blob to a registry, as Ollama's server/upload.go does it, made resumable: HEAD (already there → skip),
 * `POST …/blobs/uploads/` (with `?mount=<digest>&from=<repo>` when another repository may hold it; 201 → mounted),
 * then the bytes in parts, each `PATCH <location>` with `Content-Range: <start>-<end>` and the next location from
 * the answer (a 307 sends the part by `PUT` to the redirect URL, an object store's presigned URL), and finally
 * `PUT <location>?digest=…&etag=…`. A failed part is retried with backoff after asking the upload session how
 * many bytes it holds (`GET <location>` → `Range: 0-<last>`); a session that cannot answer (distribution cancels
 * one whose state token went stale when an answer was lost) is replaced by a new upload from byte 0.
 * @module
 */
import { createHash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { BlobNotFoundError, type Layer } from "../store/mod.ts";
import {
  type AuthHook,
  backoffDelay,
  RegistryConnectionError,
  RegistryError,
  registryFetch,
  type RegistrySession,
  sleep,
} from "./http.ts";

/** Ollama's upload part sizes are 100 MB–1 GB; tollama holds one part in memory, so it caps parts at 64 MiB. */
const MIN_PART = 16 * 1024 * 1024;
const MAX_PART = 64 * 1024 * 1024;
const MAX_RETRIES = 6;

export interface UploadBlobOptions {
  /** `http(s)://host`, and the repository (`namespace/model`) the blob goes to. */
  baseUrl: string;
  repo: string;
  /** Local file holding the blob. */
  path: string;
  /** Repositories on the same registry that may hold the blob already (cross-repo mount), best first. */
  mountFrom?: string[];
  auth?: AuthHook;
  session?: RegistrySession;
  signal?: AbortSignal;
  /** Bytes per PATCH (tests use small ones to exercise many parts). */
  partSize?: number;
  /** First retry backoff in ms (default 1000; doubles per try, capped at 10 s). */
  backoffMs?: number;
  /** Called with the bytes the registry holds so far. */
  onProgress?: (completed: number) => void;
}

/** How a blob reached the registry. */
export type UploadResult = "exists" | "mounted" | "uploaded";

/** Uploads `layer` (its digest and size) from `options.path` unless the registry has or can mount it. */
export async function uploadBlob(layer: Layer, options: UploadBlobOptions): Promise<UploadResult> {
  const { baseUrl, repo, signal } = options;
  const fetchOptions = { auth: options.auth, session: options.session, signal };
  const head = await registryFetch(`${baseUrl}/v2/${repo}/blobs/${layer.digest}`, { method: "HEAD" }, {
    ...fetchOptions,
    allow: [404],
    retries: 3,
    backoffMs: options.backoffMs,
  });
  await head.body?.cancel();
  if (head.status !== 404) {
    options.onProgress?.(layer.size);
    return "exists";
  }

  let file: FileHandle;
  try {
    file = await open(options.path, "r");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") throw new BlobNotFoundError(layer.digest);
    throw error;
  }
  try {
    const { size } = await file.stat();
    if (size !== layer.size) {
      throw new Error(`blob ${layer.digest} is ${size} bytes on disk but the manifest says ${layer.size}`);
    }
    let location: URL | undefined;
    for (const from of options.mountFrom ?? []) {
      let start: URL | "mounted";
      try {
        start = await startUpload(baseUrl, repo, { mount: layer.digest, from }, fetchOptions);
      } catch (error) {
        if (signal?.aborted) throw error;
        continue; // no access to the source repository, say: a plain upload still works
      }
      if (start === "mounted") {
        options.onProgress?.(layer.size);
        return "mounted";
      }
      location = start;
      break; // the registry could not mount it and opened an upload session instead: use it
    }
    location ??= (await withRetries(
      () => startUpload(baseUrl, repo, undefined, fetchOptions) as Promise<URL>,
      { signal, backoffMs: options.backoffMs ?? 1000 },
    ))!;

    try {
      return await sendBlob(file, layer, location, options);
    } catch (error) {
      cancelUpload(location, fetchOptions);
      throw error;
    }
  } finally {
    await file.close();
  }
}

/** The parts and the commit, from an open upload session at `start`. */
async function sendBlob(
  file: FileHandle,
  layer: Layer,
  start: URL,
  options: UploadBlobOptions,
): Promise<UploadResult> {
  const { baseUrl, repo, signal } = options;
  const fetchOptions = { auth: options.auth, session: options.session, signal };
  let location = start;
  const partSize = options.partSize ?? Math.min(Math.max(Math.ceil(layer.size / 16), MIN_PART), MAX_PART);
  const partHashes: Buffer[] = [];
  let offset = 0;
  let tries = 0;
  while (offset < layer.size) {
    const end = Math.min(offset + partSize, layer.size);
    const bytes = new Uint8Array(end - offset);
    await file.read(bytes, 0, bytes.length, offset);
    try {
      location = await sendPart(location, bytes, offset, fetchOptions);
      partHashes.push(createHash("md5").update(bytes).digest());
      offset = end;
      tries = 0;
      options.onProgress?.(offset);
    } catch (error) {
      const sessionLost = error instanceof RegistryError && error.status === 404;
      if (signal?.aborted || ++tries > MAX_RETRIES || !(transient(error) || sessionLost)) throw error;
      await sleep(backoffDelay(tries - 1, options.backoffMs ?? 1000), signal);
      // The failed PATCH may have landed in part: continue from what the session holds. Where the session
      // cannot say (distribution cancels an upload whose state token is stale), start a new one from byte 0.
      const held = sessionLost ? undefined : await uploadedBytes(location, fetchOptions);
      if (held === undefined) {
        location = await startUpload(baseUrl, repo, undefined, fetchOptions) as URL;
        offset = 0;
        partHashes.length = 0;
      } else if (held !== offset) {
        offset = held;
        partHashes.length = 0; // the part boundaries moved, so the etag cannot describe them
      }
    }
  }

  const commit = new URL(location);
  commit.searchParams.set("digest", layer.digest);
  if (partHashes.length > 0) {
    const etag = createHash("md5").update(Buffer.concat(partHashes)).digest("hex");
    commit.searchParams.set("etag", `${etag}-${partHashes.length}`);
  }
  const backoffMs = options.backoffMs ?? 1000;
  await withRetries(async () => {
    const done = await registryFetch(commit, { method: "PUT", headers: { "content-length": "0" } }, fetchOptions);
    await done.body?.cancel();
  }, { signal, backoffMs, settled: () => blobExists(baseUrl, repo, layer.digest, fetchOptions) });
  return "uploaded";
}

/** Best effort, not awaited: tells the registry to drop an abandoned session (it would purge it later anyway). */
function cancelUpload(location: URL, options: FetchOptions): void {
  const headers: Record<string, string> = options.session?.authorization
    ? { authorization: options.session.authorization }
    : {};
  fetch(location, { method: "DELETE", headers, signal: AbortSignal.timeout(5000) })
    .then((response) => response.body?.cancel())
    .catch(() => {});
}

type FetchOptions = { auth?: AuthHook; session?: RegistrySession; signal?: AbortSignal };

async function startUpload(
  baseUrl: string,
  repo: string,
  mount: { mount: string; from: string } | undefined,
  options: FetchOptions,
): Promise<URL | "mounted"> {
  const url = new URL(`${baseUrl}/v2/${repo}/blobs/uploads/`);
  if (mount) {
    url.searchParams.set("mount", mount.mount);
    url.searchParams.set("from", mount.from);
  }
  const response = await registryFetch(url, { method: "POST", headers: { "content-length": "0" } }, options);
  await response.body?.cancel();
  if (mount && response.status === 201) return "mounted";
  return nextLocation(response, url);
}

/** The upload URL to use next: `Docker-Upload-Location` (Ollama's registry) or `Location`, relative to the request. */
function nextLocation(response: Response, requestUrl: URL): URL {
  const location = response.headers.get("docker-upload-location") ?? response.headers.get("location");
  if (!location) throw new RegistryError(response.status, "", `registry sent no upload location (${response.status})`);
  return new URL(location, requestUrl);
}

async function sendPart(location: URL, bytes: Uint8Array, offset: number, options: FetchOptions): Promise<URL> {
  const response = await registryFetch(location, {
    method: "PATCH",
    redirect: "manual",
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(bytes.length),
      "content-range": `${offset}-${offset + bytes.length - 1}`,
      "x-redirect-uploads": "1",
    },
    body: bytes as Uint8Array<ArrayBuffer>,
  }, options);
  await response.body?.cancel();
  if (response.status !== 307) return nextLocation(response, location);
  // Ollama's registry answers a PATCH with a presigned object-store URL: the part goes there, without our auth.
  const redirect = response.headers.get("location");
  const next = response.headers.get("docker-upload-location");
  if (!redirect || !next) {
    throw new RegistryError(307, "", "upload redirect without Location and Docker-Upload-Location");
  }
  const put = await fetch(new URL(redirect, location), {
    method: "PUT",
    headers: { "content-type": "application/octet-stream", "content-length": String(bytes.length) },
    body: bytes as Uint8Array<ArrayBuffer>,
    signal: options.signal,
  });
  const body = await put.text();
  if (!put.ok) throw new RegistryError(put.status, body.trim());
  return new URL(next, location);
}

/** Bytes an upload session holds (`GET <location>` → 204 `Range: 0-<last>`), or undefined when it cannot say. */
async function uploadedBytes(location: URL, options: FetchOptions): Promise<number | undefined> {
  try {
    const response = await registryFetch(location, { method: "GET" }, { ...options, allow: [404] });
    await response.body?.cancel();
    const range = /^(?:bytes=)?0-(\d+)$/.exec(response.headers.get("range") ?? "");
    if (response.status !== 204 || !range) return undefined;
    // "0-0" is both "nothing yet" and "one byte" in distribution's answer; only the first is a safe guess.
    return range[1] === "0" ? 0 : Number(range[1]) + 1;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` again after transient failures (Ollama's 6 retries, backoff doubling from `backoffMs`, capped at 10 s).
 * `settled`, when given, is asked after a failure whether the work is done anyway (an answer lost after the
 * registry acted on the request).
 */
export async function withRetries<T>(
  fn: () => Promise<T>,
  options: { signal?: AbortSignal; backoffMs?: number; settled?: () => Promise<boolean> },
): Promise<T | undefined> {
  for (let tries = 0;; tries++) {
    try {
      return await fn();
    } catch (error) {
      if (options.settled && await options.settled().catch(() => false)) return undefined;
      if (options.signal?.aborted || tries >= MAX_RETRIES || !transient(error)) throw error;
      await sleep(backoffDelay(tries, options.backoffMs ?? 1000), options.signal);
    }
  }
}

async function blobExists(baseUrl: string, repo: string, digest: string, options: FetchOptions): Promise<boolean> {
  const head = await registryFetch(`${baseUrl}/v2/${repo}/blobs/${digest}`, { method: "HEAD" }, {
    ...options,
    allow: [404],
  });
  await head.body?.cancel();
  return head.status === 200;
}

/** Network failures, 5xx, 408 and 429 are worth another try; other statuses are answers. */
function transient(error: unknown): boolean {
  if (error instanceof RegistryError) return error.status >= 500 || error.status === 408 || error.status === 429;
  if (error instanceof RegistryConnectionError) return error.retryable;
  return error instanceof TypeError || (error as { code?: string })?.code === "ECONNRESET";
}
