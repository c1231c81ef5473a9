import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateKeyPair } from "../src/registry/keypair.ts";
import { createAuthHook, parseModelName, type PushProgress, pushModel } from "../src/registry/mod.ts";
import { fetchBlob, fetchManifest, type RegistryHandle, registrySkip, startRegistry } from "./helpers/registry.ts";
import { makeStoreModel as makeModel, type StoreModel } from "./helpers/store_model.ts";

const skip = registrySkip();

/** A fresh identity key in a temp dir, for the token-auth registry (which only knows the keys it is given). */
async function tempKey() {
  const dir = await mkdtemp(join(tmpdir(), "tollama-key-"));
  const path = join(dir, "id_ed25519");
  const key = await loadOrCreateKeyPair(path);
  return { path, key, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

async function assertArrived(registry: RegistryHandle, repo: string, tag: string, model: StoreModel) {
  for (const [digest, bytes] of model.blobs) {
    assert.deepEqual(await fetchBlob(registry, repo, digest), bytes, `blob ${digest}`);
  }
  assert.deepEqual(await fetchManifest(registry, repo, tag), model.raw);
}

test("pushModel() uploads every layer in parts and the manifest byte for byte, with Ollama's progress", { skip }, async () => {
  await using registry = await startRegistry();
  const name = `${registry.host}/me/tiny:v1`;
  await using model = await makeModel(name);
  const events: PushProgress[] = [];
  await pushModel(name, { modelsDir: model.dir, insecure: true, partSize: 64 * 1024, onProgress: (p) => events.push(p) });
  await assertArrived(registry, "me/tiny", "v1", model);

  assert.deepEqual(events[0], { status: "retrieving manifest" });
  assert.deepEqual(events.slice(-2), [{ status: "pushing manifest" }, { status: "success" }]);
  const order = [...model.manifest.layers, model.manifest.config];
  const pushing = events.filter((e) => e.status.startsWith("pushing ") && e.digest);
  assert.deepEqual([...new Set(pushing.map((e) => e.digest))], order.map((l) => l.digest));
  for (const layer of order) {
    const mine = pushing.filter((e) => e.digest === layer.digest);
    assert.equal(mine[0].status, `pushing ${layer.digest.slice(7, 19)}`);
    assert.ok(mine.every((e) => e.total === layer.size));
    assert.deepEqual(mine.map((e) => e.completed), [...mine.map((e) => e.completed!)].sort((a, b) => a - b));
    assert.equal(mine.at(-1)!.completed, layer.size);
  }
});

test("pushModel() again skips every blob the registry has (HEAD), and a second repo mounts instead of uploading", { skip }, async () => {
  await using key = await tempKey();
  await using proxied = await startRegistry({ auth: "token", authorizedKeys: [key.key.authorizedKey] });
  const keyPath = key.path;
  {
    const name = `${proxied.host}/me/tiny:latest`;
    await using model = await makeModel(name, { modelBytes: 50_000 });
    const opts = { modelsDir: model.dir, insecure: true, auth: createAuthHook({ keyPath }), partSize: 16 * 1024 };
    await pushModel(name, opts);
    const firstPatches = proxied.tokens.forwarded.filter((r) => r.startsWith("PATCH")).length;
    assert.ok(firstPatches >= 4, `expected several PATCHes, saw ${firstPatches}`);

    proxied.tokens.forwarded.length = 0;
    await pushModel(name, opts);
    assert.deepEqual(proxied.tokens.forwarded.map((r) => r.split(" ")[0] + " " + r.split(" ").at(-1)), [
      "HEAD 200", "HEAD 200", "HEAD 200", "HEAD 200", "PUT 201",
    ]);

    // Same blobs under another repository of the same registry: cross-repo mounts, no bytes sent.
    const second = `${proxied.host}/other/copy:latest`;
    await model.store.copy(parseModelName(name), parseModelName(second));
    proxied.tokens.forwarded.length = 0;
    await pushModel(second, opts);
    const mounts = proxied.tokens.forwarded.filter((r) => r.startsWith("POST"));
    assert.equal(mounts.length, 4);
    for (const line of mounts) assert.match(line, /^POST \/v2\/other\/copy\/blobs\/uploads\/\?mount=sha256%3A[0-9a-f]{64}&from=me%2Ftiny 201$/);
    assert.equal(proxied.tokens.forwarded.filter((r) => r.startsWith("PATCH")).length, 0);
    await assertArrived(proxied, "other/copy", "latest", model);
    assert.ok(proxied.tokens.issued >= 2);
  }
});

test("pushModel() mounts from a layer's `from` model", { skip }, async () => {
  await using key = await tempKey();
  await using proxied = await startRegistry({ auth: "token", authorizedKeys: [key.key.authorizedKey] });
  const keyPath = key.path;
  {
    await using base = await makeModel(`${proxied.host}/library/base:latest`, { modelBytes: 10_000 });
    await pushModel(`${proxied.host}/library/base:latest`, { modelsDir: base.dir, insecure: true, auth: createAuthHook({ keyPath }) });
    // A derived model in a different store that names its base: the weights mount from library/base.
    const weights = base.manifest.layers[0];
    await using derived = await makeModel(`${proxied.host}/me/derived:latest`, { modelBytes: 10, from: `${proxied.host}/library/base:latest` });
    const manifest = { ...derived.manifest, layers: [{ ...weights, from: `${proxied.host}/library/base:latest` }, ...derived.manifest.layers.slice(1)] };
    await derived.store.writeBlob(base.blobs.get(weights.digest)!);
    await derived.store.writeManifest(parseModelName(`${proxied.host}/me/derived:latest`), JSON.stringify(manifest));
    proxied.tokens.forwarded.length = 0;
    await pushModel(`${proxied.host}/me/derived:latest`, { modelsDir: derived.dir, insecure: true, auth: createAuthHook({ keyPath }) });
    assert.ok(proxied.tokens.forwarded.some((r) => r.includes(`mount=${encodeURIComponent(weights.digest)}&from=library%2Fbase 201`)));
  }
});

test("pushModel() rejects a model with no local manifest with couldn't retrieve manifest", { skip }, async () => {
  await using registry = await startRegistry();
  const dir = await mkdtemp(join(tmpdir(), "tollama-push-"));
  try {
    const events: PushProgress[] = [];
    await assert.rejects(
      pushModel(`${registry.host}/me/absent:latest`, { modelsDir: dir, insecure: true, onProgress: (p) => events.push(p) }),
      { name: "PushManifestError", message: `couldn't retrieve manifest: model "${registry.host}/me/absent:latest" not found` },
    );
    assert.deepEqual(events.map((e) => e.status), ["retrieving manifest"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("pushModel() refuses http:// names without insecure", async () => {
  await assert.rejects(pushModel("http://127.0.0.1:1/me/x:latest", { modelsDir: join(tmpdir(), "nowhere-tollama") }), {
    message: "insecure protocol http",
  });
  await assert.rejects(pushModel("bad name!", {}), { message: "invalid model name" });
});

test("pushModel() stops when its signal aborts", { skip }, async () => {
  await using registry = await startRegistry();
  const name = `${registry.host}/me/big:latest`;
  await using model = await makeModel(name, { modelBytes: 1_000_000 });
  const controller = new AbortController();
  const pushed = pushModel(name, {
    modelsDir: model.dir,
    insecure: true,
    partSize: 10_000,
    signal: controller.signal,
    onProgress: (p) => {
      if ((p.completed ?? 0) > 50_000) controller.abort();
    },
  });
  await assert.rejects(pushed, (error: Error) => error.name === "AbortError");
  assert.equal(await fetchManifest(registry, "me/big", "latest"), undefined);
});

test("pushModel() names a blob missing from the local store", { skip }, async () => {
  await using registry = await startRegistry();
  const name = `${registry.host}/me/holey:latest`;
  await using model = await makeModel(name, { modelBytes: 100 });
  const template = model.manifest.layers[1].digest;
  await rm(model.store.blobPath(template));
  await assert.rejects(pushModel(name, { modelsDir: model.dir, insecure: true }), {
    name: "BlobNotFoundError",
    message: `blob "${template}" not found`,
  });
  assert.equal(await fetchManifest(registry, "me/holey", "latest"), undefined);
});
