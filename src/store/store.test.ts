import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DigestMismatchError,
  InvalidDigestError,
  InvalidManifestError,
  InvalidModelRefError,
  type ModelRef,
  ModelNotFoundError,
  parseManifest,
  shortName,
  Store,
} from "./mod.ts";

const sha = (bytes: Uint8Array | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const ref = (model: string, tag = "latest", namespace = "library", host = "registry.ollama.ai"): ModelRef => ({
  host,
  namespace,
  model,
  tag,
});

async function withStore(fn: (store: Store, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-store-"));
  try {
    await fn(await Store.open(dir), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function addModel(store: Store, name: ModelRef, layers: string[]): Promise<string[]> {
  const digests: string[] = [];
  const entries = [];
  for (const text of layers) {
    const written = await store.writeBlob(new TextEncoder().encode(text));
    digests.push(written.digest);
    entries.push({ mediaType: "application/vnd.ollama.image.model", digest: written.digest, size: written.size });
  }
  const config = await store.writeBlob(new TextEncoder().encode(`{"model_format":"gguf","n":"${name.model}"}`));
  digests.push(config.digest);
  await store.writeManifest(name, {
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: config.digest, size: config.size },
    layers: entries,
  });
  return digests;
}

test("Store.open() reads an existing Ollama store unchanged", async () => {
  await withStore(async (_, dir) => {
    const blob = new TextEncoder().encode("GGUF fake weights");
    const hex = sha(blob).slice(7);
    await writeFile(join(dir, "blobs", `sha256-${hex}`), blob);
    const raw = `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":` +
      `{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:${hex}","size":17},` +
      `"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:${hex}","size":17}]}`;
    await mkdir(join(dir, "manifests/registry.ollama.ai/library/tiny"), { recursive: true });
    await writeFile(join(dir, "manifests/registry.ollama.ai/library/tiny/latest"), raw);
    const store = await Store.open(dir);
    const [model] = await store.list();
    assert.equal(shortName(model.name), "tiny:latest");
    assert.equal(model.size, 34);
    assert.equal(model.digest, sha(raw).slice(7));
    assert.equal(new TextDecoder().decode(model.raw), raw);
    assert.equal(store.blobPath(`sha256:${hex}`), join(dir, "blobs", `sha256-${hex}`));
    assert.ok(await store.hasBlob(`sha256-${hex}`));
  });
});

test("Store manifests: write, read, case-insensitive match, list, copy, delete with pruning", async () => {
  await withStore(async (store, dir) => {
    const shared = await addModel(store, ref("Alpha"), ["shared weights", "alpha only"]);
    const beta = await addModel(store, ref("beta", "v1", "me"), ["shared weights", "beta only"]);
    assert.equal((await store.readManifest(ref("alpha", "LATEST"))).name.model, "Alpha");
    assert.deepEqual((await store.resolve(ref("ALPHA", "new"))), ref("Alpha", "new"));
    await assert.rejects(store.readManifest(ref("gamma")), (e) => e instanceof ModelNotFoundError && e.message === "model 'gamma:latest' not found");
    assert.deepEqual((await store.list()).map((m) => shortName(m.name)).sort(), ["Alpha:latest", "me/beta:v1"]);

    // Writing with other casing overwrites the existing model instead of adding a twin directory.
    const alpha = await store.readManifest(ref("Alpha"));
    await store.writeManifest(ref("ALPHA"), alpha.raw);
    assert.deepEqual(await readdir(join(dir, "manifests/registry.ollama.ai/library")), ["Alpha"]);

    await store.copy(ref("alpha"), ref("alpha-copy", "x", "other", "example.com:5000"));
    const copied = await store.readManifest(ref("alpha-copy", "x", "other", "example.com:5000"));
    assert.deepEqual(copied.raw, alpha.raw);
    await assert.rejects(store.copy(ref("nope"), ref("x")), ModelNotFoundError);

    // Deleting the copy keeps every blob (the original still uses them) and prunes its empty directories.
    assert.deepEqual(await store.delete(ref("ALPHA-COPY", "x", "other", "example.com:5000")), []);
    assert.deepEqual(await readdir(join(dir, "manifests")), ["registry.ollama.ai"]);
    // Deleting alpha removes only what beta does not share.
    const removed = await store.delete(ref("alpha"));
    assert.deepEqual(removed.sort(), [shared[1], shared[2]].sort());
    assert.ok(await store.hasBlob(shared[0]));
    for (const digest of beta) assert.ok(await store.hasBlob(digest));
    await assert.rejects(store.delete(ref("alpha")), ModelNotFoundError);
    assert.deepEqual(await readdir(join(dir, "manifests/registry.ollama.ai")), ["me"]);
  });
});

test("Store refuses unsafe names and invalid digests before touching the file system", async () => {
  await withStore(async (store) => {
    const bad: ModelRef[] = [
      ref(".."),
      ref("x", ".."),
      ref("x", "latest", ".."),
      ref("x", "latest", "library", ".."),
      ref("../../etc/passwd"),
      ref("x/y"),
      ref("x", "a\\b"),
      ref(""),
      ref("/abs"),
      ref(".hidden"),
      ref("x\0y"),
    ];
    for (const name of bad) {
      assert.throws(() => store.manifestPath(name), InvalidModelRefError, JSON.stringify(name));
      await assert.rejects(store.readManifest(name), InvalidModelRefError);
      await assert.rejects(store.writeManifest(name, "{}"), InvalidModelRefError);
    }
    for (const digest of ["sha256:../../x", "sha256-abc", "md5:" + "0".repeat(64), `sha256:${"g".repeat(64)}`, ""]) {
      assert.throws(() => store.blobPath(digest), InvalidDigestError, digest);
    }
    assert.throws(() => store.blobPath("sha256:xyz"), { message: "invalid digest format" });
  });
});

test("parseManifest() rejects what is not a manifest", () => {
  const layer = (digest: unknown, size: unknown = 1) => JSON.stringify({ layers: [{ digest, size }] });
  assert.throws(() => parseManifest("<html>nope</html>"), InvalidManifestError);
  assert.throws(() => parseManifest("[]"), InvalidManifestError);
  assert.throws(() => parseManifest("{}"), /no layers/);
  assert.throws(() => parseManifest(layer("sha256:../../etc/passwd")), /invalid digest/);
  assert.throws(() => parseManifest(layer("sha256-" + "a".repeat(64))), /invalid digest/);
  assert.throws(() => parseManifest(layer(`sha256:${"a".repeat(64)}`, -1)), /invalid size/);
  assert.throws(() => parseManifest(layer(`sha256:${"a".repeat(64)}`, "1")), /invalid size/);
  assert.equal(parseManifest(layer(`sha256:${"a".repeat(64)}`)).layers.length, 1);
});

test("Store.writeBlob() hashes while writing; a wrong digest or an abort leaves nothing", async () => {
  await withStore(async (store, dir) => {
    const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 65536) controller.enqueue(bytes.slice(i, i + 65536));
          controller.close();
        },
      });
    await assert.rejects(
      store.writeBlob(stream(), { digest: sha("other") }),
      (e) => e instanceof DigestMismatchError && e.message === `digest mismatch, expected "${sha("other")}", got "${sha(bytes)}"`,
    );
    assert.deepEqual(await readdir(join(dir, "blobs")), []);

    const controller = new AbortController();
    const failing = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(1000));
        controller.abort(new Error("client went away"));
      },
    });
    await assert.rejects(store.writeBlob(failing, { signal: controller.signal }), /client went away/);
    assert.deepEqual(await readdir(join(dir, "blobs")), []);

    const written = await store.writeBlob(stream(), { digest: sha(bytes).replace(":", "-") });
    assert.deepEqual(written, { digest: sha(bytes), size: bytes.length, created: true });
    assert.deepEqual(new Uint8Array(await readFile(store.blobPath(written.digest))), bytes);
    assert.equal((await stat(store.blobPath(written.digest))).mode & 0o777, 0o644);
    assert.equal((await store.writeBlob(stream(), { digest: written.digest })).created, false);
    assert.equal((await store.writeBlob(bytes)).created, false);
    assert.deepEqual(await readdir(join(dir, "blobs")), [`sha256-${sha(bytes).slice(7)}`]);
  });
});

test("Store.cleanup() removes crash debris, keeps fresh download state, prunes unreferenced blobs", async () => {
  await withStore(async (store, dir) => {
    const [used] = await addModel(store, ref("kept"), ["in use"]);
    const blobs = join(dir, "blobs");
    const orphan = sha("orphan");
    const legacy = sha("legacy");
    const now = Date.now();
    const hoursAgo = async (name: string, hours: number) => {
      const t = new Date(now - hours * 3_600_000);
      await utimes(join(blobs, name), t, t);
    };
    await writeFile(join(blobs, orphan.replace(":", "-")), "orphan");
    await writeFile(join(blobs, legacy), "legacy");
    await writeFile(join(blobs, ".tmp-blob-dead"), "crashed writer");
    await writeFile(join(blobs, ".tmp-blob-live"), "writing right now");
    const fresh = store.downloadPaths(sha("fresh"));
    const stale = store.downloadPaths(sha("stale"));
    for (const path of [fresh.data, fresh.state, stale.data, stale.state]) await writeFile(path, "x");
    await writeFile(join(blobs, "junk.txt"), "junk");
    await mkdir(join(dir, "manifests/example.com/empty/dir"), { recursive: true });
    await writeFile(join(dir, "manifests/registry.ollama.ai/library/kept/.tmp-latest-dead"), "{");
    for (const name of [orphan.replace(":", "-"), legacy, ".tmp-blob-dead", "junk.txt"]) await hoursAgo(name, 2);
    for (const path of [stale.data, stale.state]) await utimes(path, new Date(now - 7_200_000), new Date(now - 7_200_000));
    const t = new Date(now - 7_200_000);
    await utimes(join(dir, "manifests/registry.ollama.ai/library/kept/.tmp-latest-dead"), t, t);
    await hoursAgo(used.replace(":", "-"), 2);

    const report = await store.cleanup({ now, prune: true });
    assert.deepEqual(report.renamed, [legacy]);
    assert.ok(report.pruned);
    const left = (await readdir(blobs)).sort();
    assert.ok(left.includes(used.replace(":", "-")));
    assert.ok(left.includes(legacy.replace(":", "-")) === false, "renamed legacy blob is unreferenced and old → pruned");
    assert.ok(left.includes(".tmp-blob-live"));
    assert.ok(!left.includes(".tmp-blob-dead"));
    assert.ok(!left.includes("junk.txt"));
    assert.ok(!left.includes(orphan.replace(":", "-")));
    assert.ok(left.some((n) => fresh.data.endsWith(n)) && left.some((n) => fresh.state.endsWith(n)));
    assert.ok(!left.some((n) => stale.data.endsWith(n) || stale.state.endsWith(n)));
    assert.deepEqual(await readdir(join(dir, "manifests")), ["registry.ollama.ai"]);
    assert.deepEqual(await readdir(join(dir, "manifests/registry.ollama.ai/library/kept")), ["latest"]);
  });
});

test("Store.cleanup() with pruning off (OLLAMA_NOPRUNE) or a corrupt manifest keeps every blob", async () => {
  await withStore(async (store, dir) => {
    const orphan = sha("orphan").replace(":", "-");
    await writeFile(join(dir, "blobs", orphan), "orphan");
    const old = new Date(Date.now() - 7_200_000);
    await utimes(join(dir, "blobs", orphan), old, old);
    assert.equal((await store.cleanup({ prune: false })).removed.length, 0);
    await mkdir(join(dir, "manifests/h/n/m"), { recursive: true });
    await writeFile(join(dir, "manifests/h/n/m/t"), "not json");
    const report = await store.cleanup({ prune: true });
    assert.equal(report.pruned, false);
    assert.deepEqual(await readdir(join(dir, "blobs")), [orphan]);
    assert.equal((await store.list()).length, 0);
  });
});

test("a blob's derived files (compat/<blob>.*) go when the blob is deleted or pruned; others stay", async () => {
  await withStore(async (store, dir) => {
    const [gone] = await addModel(store, ref("gone"), ["published weights"]);
    const [kept] = await addModel(store, ref("kept"), ["other weights"]);
    const compat = join(dir, "compat");
    await mkdir(compat);
    const derived = (digest: string) => `${digest.replace(":", "-")}.olmo3.v1.gguf`;
    const orphan = `${sha("pruned long ago").replace(":", "-")}.gptoss.v1.gguf`;
    for (const name of [derived(gone), derived(kept), orphan]) await writeFile(join(compat, name), "translated copy");

    await store.delete(ref("gone"));
    assert.deepEqual((await readdir(compat)).sort(), [derived(kept), orphan].sort(), "delete takes the blob's files");
    const report = await store.cleanup({ prune: true });
    assert.ok(report.removed.includes(orphan), "cleanup sweeps files whose blob is gone");
    assert.deepEqual(await readdir(compat), [derived(kept)]);
  });
});
