/**
 * Files made from a blob and kept beside the store: src/compat's derived-file route (the fallback for a published
 * model it cannot load without a copy) writes `compat/<blob file name>.<family>.v<N>.gguf`. They go with their blob.
 * @module
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/** The folder of derived files of the store at `storeDir`. */
export function derivedDir(storeDir: string): string {
  return join(storeDir, "compat");
}

/** Removes the derived files of the blob named `blobName` (`sha256-<hex>`). */
export async function removeDerived(storeDir: string, blobName: string): Promise<void> {
  for (const name of await names(storeDir)) {
    if (name.startsWith(`${blobName}.`)) await rm(join(derivedDir(storeDir), name), { force: true });
  }
}

/** Removes derived files whose blob is not in `blobs` (blob file names); returns their names. */
export async function sweepDerived(storeDir: string, blobs: ReadonlySet<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await names(storeDir)) {
    const blob = /^(sha256-[0-9a-f]{64})\./.exec(name)?.[1];
    if (blob && !blobs.has(blob)) {
      await rm(join(derivedDir(storeDir), name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}

async function names(storeDir: string): Promise<string[]> {
  try {
    return await readdir(derivedDir(storeDir));
  } catch {
    return []; // no derived file was ever made
  }
}
