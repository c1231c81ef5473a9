/**
 * Native libraries embedded in a single executable (`bun build --compile`): written once, under their real file
 * names, to a versioned cache directory, because libllama finds libggml through its DT_NEEDED names and ggml's
 * backend loader scans for `libggml-cpu-*` files — neither works from the executable's virtual file system.
 * @module
 */
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/**
 * Extracts `files` (real name → path inside the executable) into `<cache>/tollama/libs-<key>/` unless already there
 * with the same sizes, then points LLAMA_LIB_DIR at it for this process. Returns the directory.
 */
export async function extractEmbeddedLibraries(files: Record<string, string>, key: string): Promise<string> {
  const base = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), ".cache") : tmpdir());
  const dir = join(base, "tollama", `libs-${key}`);
  await mkdir(dir, { recursive: true });
  for (const [name, embedded] of Object.entries(files)) {
    const target = join(dir, name);
    const bytes = await readFile(embedded);
    const existing = await stat(target).catch(() => undefined);
    if (existing?.size === bytes.byteLength) continue;
    // Temp name + rename: two first runs at once must never see half a library.
    const temp = `${target}.${process.pid}.tmp`;
    await writeFile(temp, bytes);
    await chmod(temp, 0o755);
    await rename(temp, target);
  }
  // Only this process's main thread reads it; the inference Workers get the directory in their first message.
  process.env.LLAMA_LIB_DIR = dir;
  return dir;
}
