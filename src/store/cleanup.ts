/**
 * Startup housekeeping of a store, after Ollama's fixBlobs and PruneLayers, with one difference that matters for
 * big pulls: download state younger than the grace period is kept, so a pull interrupted by a restart resumes.
 * @module
 */
import { readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { config } from "../config.ts";
import { sweepDerived } from "./derived_files.ts";
import { DOWNLOAD_SUFFIX, TEMP_PREFIX } from "./files.ts";
import type { Store } from "./store.ts";

export interface CleanupOptions {
  /** Age below which unreferenced blobs and download state are kept (Ollama's 1 h layerPruneGracePeriod). */
  graceMs?: number;
  /** Age after which a temp file counts as abandoned by a crashed writer (default 5 min; live writers keep it fresh). */
  tempGraceMs?: number;
  /** Remove unreferenced blobs and unknown files; default `!config.noPrune()` (OLLAMA_NOPRUNE). */
  prune?: boolean;
  /** The clock, for tests. */
  now?: number;
}

export interface CleanupReport {
  /** Legacy `sha256:<hex>` blob names renamed to `sha256-<hex>`. */
  renamed: string[];
  /** File names removed from blobs/ (temp files, stale download state, unreferenced blobs, junk). */
  removed: string[];
  /** Download state kept for resuming. */
  keptDownloads: string[];
  /** False when a corrupt manifest made pruning unsafe (nothing referenced-or-not was removed then). */
  pruned: boolean;
}

async function age(path: string, now: number): Promise<number | undefined> {
  try {
    return now - (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

function isDownloadState(name: string): boolean {
  // Ours, and Ollama's (`-partial`, `-partial-<N>`), both kept within the grace period.
  return /^sha256-[0-9a-f]{64}(-tollama-partial(\.json)?|-partial(-\d+)?)$/.test(name) || name.includes(DOWNLOAD_SUFFIX);
}

/**
 * Renames legacy blob names, removes abandoned temp files (blobs and manifests), drops download state older than
 * the grace period and, unless pruning is off, blobs older than the grace period that no manifest references, files
 * that are not blobs, and empty manifest directories. The whole prune is skipped when any manifest is corrupt.
 */
export async function cleanupStore(store: Store, options: CleanupOptions = {}): Promise<CleanupReport> {
  const now = options.now ?? Date.now();
  const graceMs = options.graceMs ?? 60 * 60_000;
  const tempGraceMs = options.tempGraceMs ?? 5 * 60_000;
  const prune = options.prune ?? !config.noPrune();
  const report: CleanupReport = { renamed: [], removed: [], keptDownloads: [], pruned: false };

  for (const name of await readdir(store.blobsDir)) {
    if (/^sha256:[0-9a-fA-F]{64}$/.test(name)) {
      const fixed = `sha256-${name.slice(7).toLowerCase()}`;
      await rename(join(store.blobsDir, name), join(store.blobsDir, fixed));
      report.renamed.push(name);
    }
  }

  // Under the store's prune gate: a blob an operation in flight has pinned stays, however old it is.
  const complete = await store.pruning(async (pinned) => {
    const { digests: used, complete } = prune
      ? await store.referencedDigests()
      : { digests: new Set<string>(), complete: false };
    for (const name of await readdir(store.blobsDir)) {
      const path = join(store.blobsDir, name);
      const old = await age(path, now);
      if (old === undefined) continue;
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      if (name.startsWith(TEMP_PREFIX)) {
        if (old >= tempGraceMs) await remove(path, name, report);
        continue;
      }
      if (isDownloadState(name)) {
        if (old >= graceMs) await remove(path, name, report);
        else report.keptDownloads.push(name);
        continue;
      }
      if (!prune || !complete || old < graceMs) continue;
      const match = /^sha256-([0-9a-f]{64})$/.exec(name);
      if (match && (used.has(`sha256:${match[1]}`) || pinned.has(`sha256:${match[1]}`))) continue;
      await remove(path, name, report);
    }
    return complete;
  });
  report.pruned = prune && complete;
  // files made from blobs that are gone (src/compat's derived files)
  if (report.pruned) report.removed.push(...await sweepDerived(store.dir, new Set(await readdir(store.blobsDir))));
  await sweepManifests(store.manifestsDir, 0, { now, tempGraceMs, pruneDirs: prune });
  return report;
}

async function remove(path: string, name: string, report: CleanupReport): Promise<void> {
  await rm(path, { force: true });
  report.removed.push(name);
}

/** Removes abandoned manifest temp files and (when pruning) directories left empty. Returns whether `dir` is now empty. */
async function sweepManifests(
  dir: string,
  depth: number,
  options: { now: number; tempGraceMs: number; pruneDirs: boolean },
): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let left = entries.length;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth < 3) {
      if (await sweepManifests(path, depth + 1, options) && options.pruneDirs) {
        await rmdir(path).then(() => left--, () => {});
      }
    } else if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) {
      const old = await age(path, options.now);
      if (old !== undefined && old >= options.tempGraceMs) await rm(path, { force: true }).then(() => left--);
    }
  }
  return left === 0;
}
