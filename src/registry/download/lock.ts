/**
 * A lock file so that two processes pulling the same blob into one store do not write the same partial file.
 * The file holds the owner's pid; a lock whose process is gone (killed mid-pull) is taken over.
 * @module
 */
import { randomBytes } from "node:crypto";
import { open, readFile, rm } from "node:fs/promises";
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
    try {
      const handle = await open(path, "wx", 0o644);
      try {
        await handle.writeFile(token);
      } finally {
        await handle.close();
      }
      return {
        release: async () => {
          const current = await readFile(path, "utf8").catch(() => "");
          if (current === token) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
      const owner = Number((await readFile(path, "utf8").catch(() => "")).split(" ")[0]);
      if (alive(owner)) return undefined;
      await rm(path, { force: true });
    }
  }
  return undefined;
}
