/**
 * The on-disk model store, in Ollama's layout, so an existing Ollama store works unchanged:
 *
 * ```
 * <OLLAMA_MODELS or the dir given to Store.open>
 * ├── manifests/<host>/<namespace>/<model>/<tag>   manifest bytes, exactly as received or written
 * └── blobs/sha256-<hex>                           content-addressed layers
 * ```
 *
 * Guarantees: a blob or manifest appears under its final name only complete (temp file, fsync, rename); a blob
 * written with an expected digest that does not match leaves nothing; every model name and digest is checked
 * before it becomes a path (`InvalidModelRefError`, `InvalidDigestError`).
 *
 * API (all async unless noted):
 * - `Store.open(dir?)` → `Store` (creates `manifests/` and `blobs/`).
 * - `store.findManifest(ref)` → `StoredManifest | undefined`; `store.readManifest(ref)` throws `ModelNotFoundError`
 *   (`model 'x' not found`). `StoredManifest` = `{ name, manifest, raw, digest, size, modified }`, where `digest` is the
 *   sha256 hex of `raw` (the model digest of /api/tags) and `size` the sum of layers and config. Names match
 *   case-insensitively; `name` has the on-disk casing.
 * - `store.writeManifest(ref, bytes | text | Manifest)` → `StoredManifest` (atomic; bytes kept exactly; validated).
 * - `store.list()` → `StoredManifest[]` (unreadable or oddly named entries skipped).
 * - `store.copy(from, to)`; `store.delete(ref)` → digests of the blobs it removed (those no other manifest uses).
 * - `store.resolve(ref)` → the ref with on-disk casing where the model (or part of its path) exists.
 * - Blobs: `store.blobPath(digest)` (sync), `hasBlob`, `blobSize`, `listBlobs`, `removeUnusedBlobs(candidates?)`,
 *   `writeBlob(stream | bytes, { digest?, signal? })` → `{ digest, size, created }` (`DigestMismatchError` on a wrong digest).
 * - `store.cleanup({ graceMs?, prune? })`: startup housekeeping (legacy blob names, abandoned temp files, download
 *   state older than the grace period, and unless OLLAMA_NOPRUNE, unreferenced blobs older than it).
 * - `store.downloadPaths(digest)` (sync): where registry/pull keeps resumable download state.
 * - Concurrency (one process): `store.lockNames(...refs)` → release function (create, copy and delete of one name run
 *   one after another; copy and delete take it themselves); `store.lease()` → `BlobLease` whose `pin(digests)` keeps
 *   blobs an operation is about to reference from being pruned until `release()`; `writeBlob(…, { lease })` pins
 *   what it writes; `writeManifest` checks every blob is present first (`BlobNotFoundError`); pruning
 *   (`removeUnusedBlobs`, `cleanup`) runs through `store.pruning(fn)` and skips pinned blobs.
 *
 * A `ModelRef` is `{ host, namespace, model, tag }`; registry's `parseModelName()` returns one.
 *
 * @example
 * ```ts
 * const store = await Store.open();
 * for (const m of await store.list()) console.log(shortName(m.name), m.size, m.digest.slice(0, 12));
 * ```
 * @module
 */
export { Store, type StoredManifest } from "./store.ts";
export type { BlobLease } from "./locks.ts";
export { type ModelRef, isSafeRef, shortName } from "./ref.ts";
export {
  type Layer,
  type Manifest,
  manifestDigests,
  manifestSize,
  MEDIA_TYPE_CONFIG,
  MEDIA_TYPE_MANIFEST,
  parseManifest,
} from "./manifest.ts";
export { blobFileName, digestOfFileName, isDigest, normalizeDigest } from "./digest.ts";
export type { BlobSource, WriteBlobOptions, WrittenBlob } from "./blob_writer.ts";
export type { CleanupOptions, CleanupReport } from "./cleanup.ts";
export { DOWNLOAD_SUFFIX, syncDir, TEMP_PREFIX, writeFileAtomic } from "./files.ts";
export {
  BlobNotFoundError,
  DigestMismatchError,
  InvalidDigestError,
  InvalidManifestError,
  InvalidModelRefError,
  ModelNotFoundError,
} from "./errors.ts";
