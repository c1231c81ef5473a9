import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseModelName } from "../registry/mod.ts";
import { Store } from "../store/mod.ts";
import { fileDigest } from "./request.ts";
import { checkLink, hashForLink, LinkedWeightsError, linkedPath, sampledHash, writeLink } from "./link.ts";

async function withDir(fn: (dir: string, store: Store) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-linkunit-"));
  try {
    await fn(dir, await Store.open(join(dir, "models")));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** 1 MiB of varied bytes: the five 64 KiB windows leave gaps between them. */
function content(seed = 1): Uint8Array {
  const bytes = new Uint8Array(1024 * 1024);
  let x = seed;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

test("fileDigest() is the file's sha256 and reports the bytes read", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "f.bin");
    const bytes = content();
    await writeFile(path, bytes);
    const seen: number[] = [];
    const digest = await fileDigest(path, { onProgress: (n) => seen.push(n) });
    assert.equal(digest, `sha256:${createHash("sha256").update(bytes).digest("hex")}`);
    assert.equal(seen.at(-1), bytes.length);
  });
});

test("sampledHash() changes when a sampled window changes and not otherwise", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "f.bin");
    const bytes = content();
    await writeFile(path, bytes);
    const before = await sampledHash(path, bytes.length);
    bytes[bytes.length - 1] ^= 1; // the last window
    await writeFile(path, bytes);
    assert.notEqual(await sampledHash(path, bytes.length), before);
    bytes[bytes.length - 1] ^= 1;
    bytes[100 * 1024] ^= 1; // between the first and second windows
    await writeFile(path, bytes);
    assert.equal(await sampledHash(path, bytes.length), before);
    // a file smaller than one window is hashed whole
    await writeFile(path, "tiny");
    assert.equal(await sampledHash(path, 4), createHash("sha256").update("tiny").digest("hex"));
  });
});

test("writeLink() symlinks the blob and keeps an existing regular blob; checkLink() follows the file", async () => {
  await withDir(async (dir, store) => {
    const path = join(dir, "weights.bin");
    await writeFile(path, content());
    const { digest, record } = await hashForLink(path);
    assert.deepEqual(await writeLink(store, digest, record), { created: true, linked: true });
    assert.deepEqual(await writeLink(store, digest, record), { created: false, linked: true });
    assert.equal(await linkedPath(store, digest), path);
    assert.equal(await checkLink(store, digest), path);
    assert.equal(await store.hasBlob(digest), true);
    assert.deepEqual(new Uint8Array(await readFile(store.blobPath(digest))), content());

    // A record lost (or a link made by another tool): the whole file is hashed and the record written again.
    await rm(join(store.dir, "links"), { recursive: true });
    assert.equal(await checkLink(store, digest), path);
    assert.equal((await readdir(join(store.dir, "links"))).length, 1);

    // An ordinary blob with the same bytes is kept as it is: nothing is linked.
    const other = join(dir, "other.bin");
    await writeFile(other, content(2));
    const copied = await store.writeBlob(createReadStream(other) as unknown as AsyncIterable<Uint8Array>);
    const second = await hashForLink(other);
    assert.equal(second.digest, copied.digest);
    assert.deepEqual(await writeLink(store, second.digest, second.record), { created: false, linked: false });
    assert.ok((await lstat(store.blobPath(copied.digest))).isFile());
    assert.equal(await checkLink(store, copied.digest), undefined);
  });
});

test("checkLink() names what changed: missing file, size, content; a touch alone is fine", async () => {
  await withDir(async (dir, store) => {
    const path = join(dir, "weights.bin");
    const bytes = content();
    await writeFile(path, bytes);
    const { digest, record } = await hashForLink(path);
    await writeLink(store, digest, record);
    const reason = async () => {
      try {
        await checkLink(store, digest);
        return "ok";
      } catch (error) {
        assert.ok(error instanceof LinkedWeightsError);
        assert.equal(error.status, 409);
        return /\((.*)\);/.exec(error.message)![1];
      }
    };
    const later = new Date(Date.now() + 10_000);
    await utimes(path, later, later);
    assert.equal(await reason(), "ok");
    bytes[100 * 1024] ^= 1; // outside the windows: found by the full hash the new mtime triggers
    await writeFile(path, bytes);
    assert.equal(await reason(), "content differs");
    bytes[100 * 1024] ^= 1;
    bytes[0] ^= 1; // inside a window: found without the full hash
    await writeFile(path, bytes);
    assert.equal(await reason(), "content differs");
    await writeFile(path, bytes.subarray(1));
    assert.equal(await reason(), "size differs");
    await rm(path);
    assert.equal(await reason(), "file not found");
  });
});

test("store cleanup keeps a referenced linked blob and removes only the link of an unreferenced one", async () => {
  await withDir(async (dir, store) => {
    const path = join(dir, "weights.bin");
    await writeFile(path, content());
    const { digest, record } = await hashForLink(path);
    await writeLink(store, digest, record);
    const config = await store.writeBlob(new TextEncoder().encode("{}"));
    await store.writeManifest(parseModelName("m"), {
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: config.digest, size: config.size },
      layers: [{ mediaType: "application/vnd.ollama.image.model", digest, size: record.size }],
    });
    await store.cleanup({ graceMs: 0, prune: true, now: Date.now() + 60_000 });
    assert.equal(await linkedPath(store, digest), path);
    await store.delete(parseModelName("m"));
    assert.equal(await lstat(store.blobPath(digest)).catch(() => undefined), undefined);
    assert.deepEqual(new Uint8Array(await readFile(path)), content());
  });
});
