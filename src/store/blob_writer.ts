/**
 * Writing a blob from a stream: bytes go to a temp file while they are hashed, then fsync, then a rename to
 * `sha256-<hex>`. A digest given up front is checked before the rename, so a wrong upload leaves nothing behind, and
 * a reader never sees a blob that is not complete.
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { open, rename, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { blobFileName, normalizeDigest } from "./digest.ts";
import { DigestMismatchError } from "./errors.ts";
import { syncDir, TEMP_PREFIX } from "./files.ts";
import { streamToFile } from "./stream_to_file.ts";
import type { BlobLease } from "./locks.ts";

export type BlobSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array;

export interface WriteBlobOptions {
  /** Expected digest; a mismatch throws `DigestMismatchError` and keeps nothing. */
  digest?: string;
  signal?: AbortSignal;
  /** Pins the blob (before it is looked for or renamed into place) until the lease is released. */
  lease?: BlobLease;
}

export interface WrittenBlob {
  digest: string;
  size: number;
  /** False when a blob with this digest was already there (the new bytes were dropped). */
  created: boolean;
}

async function* chunks(source: BlobSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  yield* source as AsyncIterable<Uint8Array>;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Streams `source` into `blobsDir` under its sha256. */
export async function writeBlob(blobsDir: string, source: BlobSource, options: WriteBlobOptions = {}): Promise<WrittenBlob> {
  const expected = options.digest === undefined ? undefined : normalizeDigest(options.digest);
  if (expected) await options.lease?.pin([expected]);
  if (expected && await exists(join(blobsDir, blobFileName(expected)))) {
    if (source instanceof ReadableStream) await source.cancel().catch(() => {});
    return { digest: expected, size: (await stat(join(blobsDir, blobFileName(expected)))).size, created: false };
  }
  const temp = join(blobsDir, `${TEMP_PREFIX}blob-${randomBytes(8).toString("hex")}`);
  const handle = await open(temp, "wx", 0o644);
  const hash = createHash("sha256");
  let closed = false;
  try {
    const size = await streamToFile(handle, source instanceof Uint8Array ? chunks(source) : source, {
      onChunk: (chunk) => hash.update(chunk),
      signal: options.signal,
    });
    await handle.sync();
    await handle.close();
    closed = true;
    const digest = `sha256:${hash.digest("hex")}`;
    if (expected && digest !== expected) throw new DigestMismatchError(expected, digest);
    const final = join(blobsDir, blobFileName(digest));
    // Pinned before looking: a prune running now finishes first, so "already there" stays true for the lease.
    await options.lease?.pin([digest]);
    if (await exists(final)) {
      await rm(temp, { force: true });
      const now = new Date();
      await utimes(final, now, now).catch(() => {});
      return { digest, size, created: false };
    }
    await rename(temp, final);
    await syncDir(blobsDir);
    return { digest, size, created: true };
  } catch (error) {
    if (!closed) await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
}
