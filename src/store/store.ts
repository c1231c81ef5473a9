/**
 * The model store, in Ollama's layout (an existing Ollama store works unchanged):
 * `manifests/<host>/<namespace>/<model>/<tag>` holds each manifest's bytes, `blobs/sha256-<hex>` each blob.
 * @module
 */
import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { config } from "../config.ts";
import { removeDerived } from "./derived_files.ts";
import { writeBlob, type BlobSource, type WriteBlobOptions, type WrittenBlob } from "./blob_writer.ts";
import { cleanupStore, type CleanupOptions, type CleanupReport } from "./cleanup.ts";
import { blobFileName, normalizeDigest } from "./digest.ts";
import { BlobNotFoundError, InvalidManifestError, ModelNotFoundError } from "./errors.ts";
import { DOWNLOAD_SUFFIX, syncDir, writeFileAtomic } from "./files.ts";
import { BlobLease, BlobPins, NameLocks } from "./locks.ts";
import { type Manifest, manifestDigests, manifestSize, parseManifest } from "./manifest.ts";
import { isSafeRef, type ModelRef, refSegments, shortName } from "./ref.ts";

/** A manifest as stored: parsed, the exact bytes, and what /api/tags reports about it. */
export interface StoredManifest {
  /** The model, with the casing it has on disk. */
  name: ModelRef;
  manifest: Manifest;
  /** The manifest file's bytes. */
  raw: Uint8Array;
  /** sha256 hex of `raw` (no `sha256:` prefix), Ollama's model digest. */
  digest: string;
  /** Sum of the layer sizes and the config size. */
  size: number;
  /** The manifest file's mtime. */
  modified: Date;
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

async function dirNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** The on-disk model store. Make one with `Store.open()`. */
export class Store {
  /** Root directory (OLLAMA_MODELS or the one given to `open`). */
  readonly dir: string;
  readonly manifestsDir: string;
  readonly blobsDir: string;
  #names = new NameLocks();
  #pins = new BlobPins();

  private constructor(dir: string) {
    this.dir = dir;
    this.manifestsDir = join(dir, "manifests");
    this.blobsDir = join(dir, "blobs");
  }

  /** Opens (and creates if needed) the store at `dir`, default `config.modelsDir()`. */
  static async open(dir: string = config.modelsDir()): Promise<Store> {
    const store = new Store(dir);
    await mkdir(store.manifestsDir, { recursive: true, mode: 0o755 });
    await mkdir(store.blobsDir, { recursive: true, mode: 0o755 });
    return store;
  }

  /**
   * Holds the lock of each named model (matched case-insensitively) until the returned function is called: create,
   * copy and delete of one name run one after another. `copy` and `delete` take it themselves.
   */
  lockNames(...refs: ModelRef[]): Promise<() => void> {
    return this.#names.lock(refs.map((ref) => refSegments(ref).join("/").toLowerCase()));
  }

  /** A new, empty lease: blobs pinned through it are not pruned until it is released (see `BlobLease`). */
  lease(): BlobLease {
    return new BlobLease(this.#pins);
  }

  /**
   * Runs `prune` while no blob can be newly pinned, with the digests pinned as it starts: the only safe moment to
   * remove a blob that no manifest references (see `locks.ts`).
   */
  pruning<T>(prune: (pinned: ReadonlySet<string>) => Promise<T>): Promise<T> {
    return this.#pins.exclusive(prune);
  }

  /** Path of a model's manifest file. Throws `InvalidModelRefError` for a part that is not a safe path segment. */
  manifestPath(ref: ModelRef): string {
    return join(this.manifestsDir, ...refSegments(ref));
  }

  /** Path of a blob. Throws `InvalidDigestError` for anything but `sha256:<64 hex>`. */
  blobPath(digest: string): string {
    return join(this.blobsDir, blobFileName(digest));
  }

  /**
   * `ref` with the casing of the model already on disk, part by part (Ollama matches names case-insensitively);
   * parts with no match keep the caller's casing.
   */
  async resolve(ref: ModelRef): Promise<ModelRef> {
    const parts = refSegments(ref);
    let dir = this.manifestsDir;
    for (let i = 0; i < 4; i++) {
      const names = i < 3 ? await dirNames(dir) : await this.#fileNames(dir);
      if (!names.includes(parts[i])) {
        const match = names.find((name) => name.toLowerCase() === parts[i].toLowerCase());
        if (match === undefined) break;
        parts[i] = match;
      }
      dir = join(dir, parts[i]);
    }
    return { host: parts[0], namespace: parts[1], model: parts[2], tag: parts[3] };
  }

  async #fileNames(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  /** The stored manifest of `ref` (matched case-insensitively), or undefined. Corrupt → `InvalidManifestError`. */
  async findManifest(ref: ModelRef): Promise<StoredManifest | undefined> {
    const name = await this.resolve(ref);
    const path = this.manifestPath(name);
    let raw: Uint8Array;
    let modified: Date;
    try {
      const handle = await open(path, "r");
      try {
        modified = (await handle.stat()).mtime;
        raw = new Uint8Array(await handle.readFile());
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (isNotFound(error) || (error as { code?: string }).code === "EISDIR") return undefined;
      throw error;
    }
    const manifest = parseManifest(raw);
    return {
      name,
      manifest,
      raw,
      digest: createHash("sha256").update(raw).digest("hex"),
      size: manifestSize(manifest),
      modified,
    };
  }

  /** Like `findManifest`, but throws `ModelNotFoundError` (`model 'x' not found`) when absent. */
  async readManifest(ref: ModelRef): Promise<StoredManifest> {
    const found = await this.findManifest(ref);
    if (!found) throw new ModelNotFoundError(shortName(ref));
    return found;
  }

  /**
   * Writes a manifest atomically: `data` as exact bytes (what a registry sent), or a `Manifest` to serialise.
   * The bytes must parse as a manifest, and every blob it names must be present (`BlobNotFoundError` otherwise):
   * a reader never finds a manifest whose blobs are missing. An existing model with other casing is overwritten,
   * not duplicated.
   */
  async writeManifest(ref: ModelRef, data: Uint8Array | string | Manifest): Promise<StoredManifest> {
    const bytes = data instanceof Uint8Array
      ? data
      : new TextEncoder().encode(typeof data === "string" ? data : JSON.stringify(data));
    refSegments(ref);
    const digests = manifestDigests(parseManifest(bytes));
    using lease = this.lease();
    await lease.pin(digests);
    for (const digest of digests) if (!(await this.hasBlob(digest))) throw new BlobNotFoundError(digest);
    const name = await this.resolve(ref);
    await writeFileAtomic(this.manifestPath(name), bytes);
    const stored = await this.findManifest(name);
    if (!stored) throw new InvalidManifestError("vanished after writing");
    return stored;
  }

  /** Every model in the store. Names that are not safe segments and unreadable manifests are skipped. */
  async list(): Promise<StoredManifest[]> {
    const found: StoredManifest[] = [];
    for (const host of await dirNames(this.manifestsDir)) {
      for (const namespace of await dirNames(join(this.manifestsDir, host))) {
        for (const model of await dirNames(join(this.manifestsDir, host, namespace))) {
          for (const tag of await this.#fileNames(join(this.manifestsDir, host, namespace, model))) {
            const ref = { host, namespace, model, tag };
            if (!isSafeRef(ref)) continue;
            try {
              const stored = await this.findManifest(ref);
              if (stored) found.push(stored);
            } catch {
              // A corrupt manifest does not hide the others (Ollama logs and skips it).
            }
          }
        }
      }
    }
    return found;
  }

  /** Copies a model's manifest to a new name (blobs are shared). `ModelNotFoundError` when `from` is absent. */
  async copy(from: ModelRef, to: ModelRef): Promise<void> {
    // Both names held: the source cannot be deleted (and its blobs pruned) half-way through.
    const unlock = await this.lockNames(from, to);
    try {
      const source = await this.readManifest(from);
      const target = await this.resolve(to);
      if (this.manifestPath(source.name) === this.manifestPath(target)) return;
      await this.writeManifest(target, source.raw);
    } finally {
      unlock();
    }
  }

  /**
   * Deletes a model: its manifest, the directories left empty, and the blobs no other manifest references.
   * Returns the digests of the blobs removed. `ModelNotFoundError` when absent.
   */
  async delete(ref: ModelRef): Promise<string[]> {
    const unlock = await this.lockNames(ref);
    try {
      const stored = await this.readManifest(ref);
      // The manifest goes first, durably (a crash must not bring it back over pruned blobs), its blobs after: a
      // reader never finds a manifest whose blobs are gone.
      const path = this.manifestPath(stored.name);
      await rm(path, { force: true });
      await syncDir(dirname(path));
      await this.#pruneEmptyDirs(stored.name);
      return await this.removeUnusedBlobs(manifestDigests(stored.manifest));
    } finally {
      unlock();
    }
  }

  async #pruneEmptyDirs(ref: ModelRef): Promise<void> {
    const [host, namespace, model] = refSegments(ref);
    for (const dir of [[host, namespace, model], [host, namespace], [host]]) {
      try {
        await rmdir(join(this.manifestsDir, ...dir));
      } catch {
        return; // not empty (or gone): stop climbing
      }
    }
  }

  /** Digests referenced by any readable manifest; `complete` is false when some manifest could not be read. */
  async referencedDigests(): Promise<{ digests: Set<string>; complete: boolean }> {
    const digests = new Set<string>();
    let complete = true;
    for (const host of await dirNames(this.manifestsDir)) {
      for (const namespace of await dirNames(join(this.manifestsDir, host))) {
        for (const model of await dirNames(join(this.manifestsDir, host, namespace))) {
          const dir = join(this.manifestsDir, host, namespace, model);
          for (const tag of await this.#fileNames(dir)) {
            if (!isSafeRef({ host, namespace, model, tag })) continue;
            try {
              for (const digest of manifestDigests(parseManifest(await readFile(join(dir, tag))))) digests.add(digest);
            } catch {
              complete = false;
            }
          }
        }
      }
    }
    return { digests, complete };
  }

  /**
   * Removes those of `candidates` that no manifest references and no operation in flight has pinned (all such
   * blobs when `candidates` is not given). Corrupt manifests are ignored here, as in Ollama's delete. Returns the
   * digests removed.
   */
  removeUnusedBlobs(candidates?: Iterable<string>): Promise<string[]> {
    const wanted = candidates ? [...candidates].map(normalizeDigest) : undefined;
    return this.pruning(async (pinned) => {
      const { digests: used } = await this.referencedDigests();
      const removed: string[] = [];
      for (const digest of new Set(wanted ?? await this.listBlobs())) {
        if (used.has(digest) || pinned.has(digest)) continue;
        try {
          await rm(this.blobPath(digest));
          removed.push(digest);
          await removeDerived(this.dir, blobFileName(digest));
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      return removed;
    });
  }

  /** Digests of all complete blobs. */
  async listBlobs(): Promise<string[]> {
    const names = await this.#fileNames(this.blobsDir);
    return names.filter((name) => /^sha256-[0-9a-f]{64}$/.test(name)).map((name) => `sha256:${name.slice(7)}`);
  }

  /** Whether a complete blob with this digest is present. */
  async hasBlob(digest: string): Promise<boolean> {
    return (await this.blobSize(digest)) !== undefined;
  }

  /** Size of a present blob, or undefined. */
  async blobSize(digest: string): Promise<number | undefined> {
    try {
      const info = await stat(this.blobPath(digest));
      return info.isFile() ? info.size : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Streams bytes into a blob (POST /api/blobs, create): temp file, hashed while written, fsync, rename.
   * With `digest`, a mismatch throws `DigestMismatchError` and nothing is left.
   */
  async writeBlob(source: BlobSource, options: WriteBlobOptions = {}): Promise<WrittenBlob> {
    if (options.lease) return await writeBlob(this.blobsDir, source, options);
    // Pinned while it lands, so a prune running at that moment cannot take the blob this call reports present.
    using lease = this.lease();
    return await writeBlob(this.blobsDir, source, { ...options, lease });
  }

  /** Startup housekeeping: see `cleanupStore`. */
  cleanup(options?: CleanupOptions): Promise<CleanupReport> {
    return cleanupStore(this, options);
  }

  /**
   * Where a resumable download of `digest` keeps its data and its progress state. Startup cleanup keeps both while
   * they are younger than the grace period, so an interrupted pull resumes.
   */
  downloadPaths(digest: string): { data: string; state: string } {
    const base = this.blobPath(digest) + DOWNLOAD_SUFFIX;
    return { data: base, state: `${base}.json` };
  }
}
