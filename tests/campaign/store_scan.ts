/**
 * A store scan independent of src/store: every manifest parses and each of its layers (and its config) exists as a
 * blob of the right size and hash; blobs/ holds only `sha256-<hex>` files (no temp file, no partial download);
 * manifests/ holds no temp file. Returns one line per problem.
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { DOWNLOAD_SUFFIX, TEMP_PREFIX } from "../../src/store/mod.ts";

const BLOB_NAME = /^sha256-[0-9a-f]{64}$/;

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await walk(path));
    else out.push(path);
  }
  return out;
}

/** Problems found in the store at `dir` (empty when it is sound). `hashBlobs` also checks each blob's content. */
export async function scanStore(dir: string, options: { hashBlobs?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  const blobsDir = join(dir, "blobs");
  const blobNames = await readdir(blobsDir).catch(() => [] as string[]);
  for (const name of blobNames) {
    if (name.startsWith(TEMP_PREFIX)) problems.push(`temp file left in blobs/: ${name}`);
    else if (name.includes("-partial")) problems.push(`partial download left in blobs/: ${name}`);
    else if (!BLOB_NAME.test(name)) problems.push(`unexpected file in blobs/: ${name}`);
  }
  const checked = new Set<string>();
  for (const path of await walk(join(dir, "manifests"))) {
    const rel = relative(dir, path);
    const base = path.split("/").pop()!;
    if (base.startsWith(TEMP_PREFIX) || base.endsWith(DOWNLOAD_SUFFIX)) {
      problems.push(`temp file left in manifests: ${rel}`);
      continue;
    }
    let manifest: { config?: { digest: string; size: number }; layers?: Array<{ digest: string; size: number }> };
    try {
      manifest = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      problems.push(`manifest ${rel} does not parse: ${(error as Error).message}`);
      continue;
    }
    const layers = [...(manifest.config ? [manifest.config] : []), ...(manifest.layers ?? [])];
    if (!Array.isArray(manifest.layers)) problems.push(`manifest ${rel} has no layers list`);
    for (const layer of layers) {
      const hex = /^sha256:([0-9a-f]{64})$/.exec(layer.digest ?? "")?.[1];
      if (!hex) {
        problems.push(`manifest ${rel} names a bad digest ${layer.digest}`);
        continue;
      }
      const blob = join(blobsDir, `sha256-${hex}`);
      const info = await stat(blob).catch(() => undefined);
      if (!info) {
        problems.push(`manifest ${rel} references missing blob sha256:${hex.slice(0, 12)}`);
        continue;
      }
      if (info.size !== layer.size) {
        problems.push(
          `manifest ${rel}: blob sha256:${hex.slice(0, 12)} is ${info.size} bytes, layer says ${layer.size}`,
        );
        continue;
      }
      if (options.hashBlobs && !checked.has(hex)) {
        checked.add(hex);
        if ((await sha256File(blob)) !== hex) {
          problems.push(`blob sha256:${hex.slice(0, 12)} does not hash to its name`);
        }
      }
    }
  }
  return problems;
}
