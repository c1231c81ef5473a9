/**
 * File primitives the store's guarantees rest on: a file appears under its final name complete and durable, or not
 * at all. Data goes to a temp name in the same directory, is fsync'd, renamed over the final name, and the directory
 * is fsync'd so the rename itself survives a crash.
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Prefix of every temp file the store makes (startup cleanup removes stale ones). */
export const TEMP_PREFIX = ".tmp-";

/**
 * Suffix of a resumable download's files beside the blob's name (`sha256-<hex>-tollama-partial` and `.json`).
 * It differs from Ollama's `-partial`/`-partial-<N>` so neither program mistakes the other's state for its own.
 */
export const DOWNLOAD_SUFFIX = "-tollama-partial";

/** A fresh temp path beside `path`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `${TEMP_PREFIX}${basename(path)}-${randomBytes(6).toString("hex")}`);
}

/** fsync a directory so renames and unlinks in it are durable. Best effort where the platform refuses. */
export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Some file systems (and platforms) cannot fsync a directory; the rename is still atomic.
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** Writes `data` to `path` atomically and durably (temp, fsync, rename, fsync dir). Creates parent directories. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  const temp = tempPathFor(path);
  let handle;
  for (let attempt = 0;; attempt++) {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    try {
      handle = await open(temp, "wx", mode);
      break;
    } catch (error) {
      // A delete of another tag of the same model may remove the directory it left empty between the two calls.
      if ((error as { code?: string }).code !== "ENOENT" || attempt >= 3) throw error;
    }
  }
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dirname(path));
}
