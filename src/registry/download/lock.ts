/**
 * A lock file so that two processes pulling the same blob into one store do not write the same partial file.
 * The file holds the owner's pid; a lock whose process is gone (killed mid-pull) is taken over.
 * @module
 */
import { randomBytes } from "node:crypto";
import { link, readFile, rm, writeFile } from "node:fs/promises";
import process from "node:process";

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false; // in-process sharing is handled before the lock; our pid here is a stale file
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** Held lock: `release()` removes the file if it is still ours. */
export interface DownloadLock {
  release(): Promise<void>;
}

/** Takes the lock, or returns undefined while another live process holds it. */
export async function tryLock(path: string): Promise<DownloadLock | undefined> {
  const token = `${process.pid} ${randomBytes(8).toString("hex")}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    // The lock appears with its owner already in it (written aside, then hard-linked into place, which fails if
    // the name exists): a reader never sees an empty lock and mistakes it for a dead one.
    const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temp, token, { mode: 0o644 });
    try {
      await link(temp, path);
      return {
        release: async () => {
          const current = await readFile(path, "utf8").catch(() => "");
          if (current === token) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
      const held = await readFile(path, "utf8").catch(() => "");
      if (alive(Number(held.split(" ")[0]))) return undefined;
      // The owner is gone (killed mid-pull): take over, unless someone else already did.
      if ((await readFile(path, "utf8").catch(() => "")) === held) await rm(path, { force: true });
    } finally {
      await rm(temp, { force: true });
    }
  }
  return undefined;
}
