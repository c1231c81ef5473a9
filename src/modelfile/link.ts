/**
 * Models whose weights stay where the user keeps them (`/api/create` with `from: "/abs/model.gguf", link: true`;
 * ollama/ollama#7254). The blob `blobs/sha256-<hex>` is a symlink to the external file, so the manifest stays
 * valid and Ollama itself can still read the store, and deleting the model removes the link, never the file.
 * Beside it, `links/sha256-<hex>.json` records what the file was when it was hashed (size, mtime and the hash of
 * a few 64 KiB windows), so a file that was moved or changed since is reported clearly at show and load time
 * instead of serving other bytes under the old digest.
 * @module
 */
import { createHash } from "node:crypto";
import { lstat, mkdir, open, readdir, readFile, readlink, rm, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import { type Store, writeFileAtomic } from "../store/mod.ts";
import { fileDigest } from "./request.ts";

/** What a link record holds. */
export interface LinkRecord {
  path: string;
  size: number;
  mtimeMs: number;
  /** sha256 hex of the sampled windows (see {@link sampledHash}). */
  sampled: string;
}

/** The external file behind a linked model was moved, deleted or changed since it was linked. */
export class LinkedWeightsError extends Error {
  /** HTTP status for the API: the request is fine, the model's weights are not. */
  readonly status = 409;
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`model weights moved or changed: ${path} (${reason}); create the model again to link the file as it is now`);
    this.name = "LinkedWeightsError";
    this.path = path;
  }
}

const WINDOW = 64 * 1024;
const WINDOWS = 5;

/** sha256 over windows of 64 KiB at the start, the quarters and the end: cheap, and it catches most edits. */
export async function sampledHash(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(WINDOW);
    const starts = new Set<number>();
    for (let i = 0; i < WINDOWS; i++) starts.add(Math.max(0, Math.floor(((size - WINDOW) * i) / (WINDOWS - 1))));
    for (const start of [...starts].sort((a, b) => a - b)) {
      const { bytesRead } = await handle.read(buffer, 0, WINDOW, start);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

function recordPath(store: Store, digest: string): string {
  return join(store.dir, "links", `${store.blobPath(digest).split("/").pop()}.json`);
}

async function describeLink(path: string): Promise<LinkRecord> {
  const info = await stat(path);
  return { path, size: info.size, mtimeMs: info.mtimeMs, sampled: await sampledHash(path, info.size) };
}

/**
 * Hashes a file to link and records what it is: its digest and the record {@link writeLink} stores. A file that
 * changes while it is read throws {@link LinkedWeightsError}.
 */
export async function hashForLink(
  path: string,
  options: { signal?: AbortSignal; onProgress?: (completed: number, total: number) => void } = {},
): Promise<{ digest: string; record: LinkRecord }> {
  const record = await describeLink(path);
  const digest = await fileDigest(path, {
    signal: options.signal,
    onProgress: (completed) => options.onProgress?.(completed, record.size),
  });
  const after = await stat(path);
  if (after.size !== record.size || after.mtimeMs !== record.mtimeMs) {
    throw new LinkedWeightsError(path, "it changed while it was being hashed");
  }
  return { digest, record };
}

/**
 * Makes `blobs/<digest>` a symlink to `record.path` and writes the record. A blob that already exists as a
 * regular file is kept (the bytes are in the store already): `created` is false then, and nothing is linked.
 */
export async function writeLink(store: Store, digest: string, record: LinkRecord): Promise<{ created: boolean; linked: boolean }> {
  const blob = store.blobPath(digest);
  const existing = await lstat(blob).catch(() => undefined);
  if (existing && !existing.isSymbolicLink()) return { created: false, linked: false };
  await mkdir(join(store.dir, "links"), { recursive: true, mode: 0o755 });
  await writeFileAtomic(recordPath(store, digest), JSON.stringify(record));
  if (existing) {
    if (await readlink(blob) === record.path) return { created: false, linked: true };
    await rm(blob, { force: true });
  }
  await symlink(record.path, blob);
  await pruneRecords(store);
  return { created: !existing, linked: true };
}

/** Removes link records whose blob is no longer a symlink (the model that used it was deleted). */
async function pruneRecords(store: Store): Promise<void> {
  const dir = join(store.dir, "links");
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const match = /^(sha256-[0-9a-f]{64})\.json$/.exec(name);
    if (!match) continue;
    const blob = await lstat(join(store.blobsDir, match[1])).catch(() => undefined);
    if (!blob?.isSymbolicLink()) await rm(join(dir, name), { force: true });
  }
}

/** The external path of a linked blob, or undefined for an ordinary blob. Cheap: one lstat (and a readlink). */
export async function linkedPath(store: Store, digest: string): Promise<string | undefined> {
  const blob = store.blobPath(digest);
  const info = await lstat(blob).catch(() => undefined);
  if (!info?.isSymbolicLink()) return undefined;
  return await readlink(blob);
}

/**
 * Checks that a linked blob's file is still the one that was hashed: there, same size, and (when the mtime or
 * the sampled windows differ) the same sha256 after all. Returns the external path, or undefined for an
 * ordinary blob; throws {@link LinkedWeightsError} otherwise. A touched but unchanged file is re-recorded.
 */
export async function checkLink(store: Store, digest: string): Promise<string | undefined> {
  const path = await linkedPath(store, digest);
  if (path === undefined) return undefined;
  let record: LinkRecord | undefined;
  try {
    record = JSON.parse(await readFile(recordPath(store, digest), "utf8")) as LinkRecord;
  } catch {
    record = undefined;
  }
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new LinkedWeightsError(path, code === "ENOENT" ? "file not found" : `cannot read it: ${code ?? error}`);
  }
  if (!info.isFile()) throw new LinkedWeightsError(path, "not a file");
  if (!record) {
    // No record (written by another tool, or lost): only the full hash can tell.
    if (await fileDigest(path) !== digest) throw new LinkedWeightsError(path, "content differs");
    await writeFileAtomic(recordPath(store, digest), JSON.stringify(await describeLink(path))).catch(() => {});
    return path;
  }
  if (info.size !== record.size) throw new LinkedWeightsError(path, "size differs");
  const sampled = await sampledHash(path, info.size);
  if (sampled !== record.sampled) throw new LinkedWeightsError(path, "content differs");
  if (info.mtimeMs !== record.mtimeMs) {
    if (await fileDigest(path) !== digest) throw new LinkedWeightsError(path, "content differs");
    await writeFileAtomic(recordPath(store, digest), JSON.stringify({ ...record, mtimeMs: info.mtimeMs })).catch(() => {});
  }
  return path;
}
