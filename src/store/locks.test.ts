import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobPins, NameLocks } from "./locks.ts";
import { BlobNotFoundError } from "./errors.ts";
import { Store } from "./store.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

test("NameLocks.lock() runs holders of one key one after another, other keys alongside", async () => {
  const locks = new NameLocks();
  const events: string[] = [];
  const hold = async (keys: string[], label: string) => {
    const release = await locks.lock(keys);
    events.push(`${label} in`);
    await tick();
    events.push(`${label} out`);
    release();
    release(); // idempotent
  };
  await Promise.all([hold(["a"], "1"), hold(["a"], "2"), hold(["b"], "3")]);
  assert.ok(events.indexOf("1 out") < events.indexOf("2 in"), events.join());
  assert.ok(events.indexOf("3 in") < events.indexOf("1 out"), events.join());
  // Opposite orders of two keys cannot deadlock: both are taken sorted.
  await Promise.all([hold(["x", "y"], "4"), hold(["y", "x"], "5")]);
  assert.equal(events.filter((e) => e.endsWith("out")).length, 5);
});

test("BlobPins: a prune sees the pins held as it starts, and a new pin waits for it", async () => {
  const pins = new BlobPins();
  await pins.pin(["sha256:a"]);
  const order: string[] = [];
  let pinned: ReadonlySet<string> = new Set();
  const prune = pins.exclusive(async (set) => {
    pinned = set;
    await tick();
    order.push("prune done");
  });
  const late = pins.pin(["sha256:b"]).then(() => order.push("pinned b"));
  await Promise.all([prune, late]);
  assert.deepEqual([...pinned], ["sha256:a"]);
  assert.deepEqual(order, ["prune done", "pinned b"]);
  pins.unpin(["sha256:a", "sha256:b"]);
  assert.equal(await pins.exclusive((set) => Promise.resolve(set.size)), 0);
});

test("Store: pruning skips pinned blobs; writeManifest refuses a manifest whose blob is missing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-locks-"));
  try {
    const store = await Store.open(dir);
    const lease = store.lease();
    const blob = await store.writeBlob(new TextEncoder().encode("in flight"), { lease });
    assert.deepEqual(await store.removeUnusedBlobs([blob.digest]), []);
    assert.equal(await store.hasBlob(blob.digest), true);
    lease.release();
    assert.deepEqual(await store.removeUnusedBlobs([blob.digest]), [blob.digest]);

    const manifest = {
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: blob.digest, size: blob.size },
      layers: [],
    };
    const ref = { host: "registry.ollama.ai", namespace: "library", model: "m", tag: "latest" };
    await assert.rejects(store.writeManifest(ref, manifest), BlobNotFoundError);
    assert.equal(await store.findManifest(ref), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
