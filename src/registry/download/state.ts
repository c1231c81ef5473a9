/**
 * The persisted progress of one resumable blob download: the blob's size, how it was cut into parts, and how many
 * bytes of each part are on disk. Written next to the partial data file, atomically (temp + rename), often enough
 * that a killed process loses at most the data in flight. No fsync: a process kill keeps the page cache, and a
 * power loss is caught by the sha256 check at the end.
 * @module
 */
import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { TEMP_PREFIX } from "../../store/mod.ts";

export interface PartState {
  /** First byte of the part in the blob. */
  offset: number;
  size: number;
  /** Bytes of the part written to the data file, from its start. */
  done: number;
}

export interface DownloadState {
  version: 1;
  digest: string;
  size: number;
  parts: PartState[];
}

/** Cuts `size` bytes into parts of `partSize` (the last one shorter). A 0-byte blob has no parts. */
export function planParts(size: number, partSize: number): PartState[] {
  const parts: PartState[] = [];
  const step = Math.max(1, Math.floor(partSize));
  for (let offset = 0; offset < size; offset += step) {
    parts.push({ offset, size: Math.min(step, size - offset), done: 0 });
  }
  return parts;
}

function isValid(state: unknown, digest: string, size: number): state is DownloadState {
  const s = state as DownloadState;
  if (!s || s.version !== 1 || s.digest !== digest || s.size !== size || !Array.isArray(s.parts)) return false;
  let next = 0;
  for (const part of s.parts) {
    if (![part?.offset, part?.size, part?.done].every(Number.isSafeInteger)) return false;
    if (part.offset !== next || part.size <= 0 || part.done < 0 || part.done > part.size) return false;
    next += part.size;
  }
  return next === size;
}

/** The saved state for this digest and size, or undefined when there is none or it does not fit (then start over). */
export async function loadState(path: string, digest: string, size: number): Promise<DownloadState | undefined> {
  try {
    const state = JSON.parse(await readFile(path, "utf8"));
    return isValid(state, digest, size) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the state atomically (a reader or a crash sees the old state or the new one, never a torn file). */
export async function saveState(path: string, state: DownloadState): Promise<void> {
  const temp = join(dirname(path), `${TEMP_PREFIX}${basename(path)}-${randomBytes(4).toString("hex")}`);
  try {
    await writeFile(temp, JSON.stringify(state));
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * {@link saveState} without yielding: the bytes recorded are the bytes on disk at this instant. An asynchronous save
 * waits in the file-system thread pool while parts keep landing (at 300 MiB/s, a 30 ms wait leaves 9 MiB written but
 * unrecorded); a few dozen bytes written to the page cache take microseconds.
 */
export function saveStateSync(path: string, state: DownloadState): void {
  const temp = join(dirname(path), `${TEMP_PREFIX}${basename(path)}-${randomBytes(4).toString("hex")}`);
  try {
    writeFileSync(temp, JSON.stringify(state));
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Removes temp files of state saves a killed process left half-done (call only while holding the download lock). */
export async function removeStateDebris(path: string): Promise<void> {
  const prefix = `${TEMP_PREFIX}${basename(path)}-`;
  for (const name of await readdir(dirname(path)).catch(() => [] as string[])) {
    if (name.startsWith(prefix)) await rm(join(dirname(path), name), { force: true });
  }
}

/** Bytes on disk according to the state. */
export function bytesDone(state: DownloadState): number {
  return state.parts.reduce((sum, part) => sum + part.done, 0);
}
