import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthHook, loadOrCreateKeyPair, parseModelName, pullModel, pushModel } from "../src/registry/mod.ts";
import { Store } from "../src/store/mod.ts";
import { registrySkip, startRegistry } from "./helpers/registry.ts";
import { makeStoreModel } from "./helpers/store_model.ts";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";

test("pushModel() then pullModel() into an empty store gives back the same manifest and blob bytes (signed-token registry)", {
  skip: registrySkip(),
}, async () => {
  const keyDir = await mkdtemp(join(tmpdir(), "tollama-key-"));
  const emptyDir = await mkdtemp(join(tmpdir(), "tollama-pulled-"));
  try {
    const keyPath = join(keyDir, "id_ed25519");
    const key = await loadOrCreateKeyPair(keyPath);
    await using registry = await startRegistry({ auth: "token", authorizedKeys: [key.authorizedKey] });
    const name = `${registry.host}/me/roundtrip:v2`;
    await using model = await makeStoreModel(name, { modelBytes: 300_000 });
    const auth = createAuthHook({ keyPath });
    await pushModel(name, { modelsDir: model.dir, insecure: true, auth, partSize: 100_000 });
    await pullModel(name, { modelsDir: emptyDir, insecure: true, auth });

    const pulled = await (await Store.open(emptyDir)).readManifest(parseModelName(name));
    assert.deepEqual(pulled.raw, model.raw);
    const original = await model.store.readManifest(parseModelName(name));
    assert.equal(pulled.digest, original.digest);
    const store = await Store.open(emptyDir);
    for (const [digest, bytes] of model.blobs) {
      assert.deepEqual(new Uint8Array(await readFile(store.blobPath(digest))), bytes, `blob ${digest}`);
    }
    assert.deepEqual((await store.listBlobs()).sort(), [...model.blobs.keys()].sort());
  } finally {
    await rm(keyDir, { recursive: true, force: true });
    await rm(emptyDir, { recursive: true, force: true });
  }
});

test("a real GGUF (fixture tiny-spm) survives push → pull with default part sizes, byte for byte", {
  skip: registrySkip() || fixtureSkip("tiny-spm"),
}, async () => {
  const emptyDir = await mkdtemp(join(tmpdir(), "tollama-pulled-"));
  try {
    await using registry = await startRegistry();
    const name = `${registry.host}/library/tiny-spm:latest`;
    const weights = new Uint8Array(await readFile(await fixtureModel("tiny-spm")));
    await using model = await makeStoreModel(name, { weights });
    await pushModel(name, { modelsDir: model.dir, insecure: true });
    await pullModel(name, { modelsDir: emptyDir, insecure: true });
    const store = await Store.open(emptyDir);
    assert.deepEqual((await store.readManifest(parseModelName(name))).raw, model.raw);
    const digest = model.manifest.layers[0].digest;
    assert.deepEqual(new Uint8Array(await readFile(store.blobPath(digest))), weights);
  } finally {
    await rm(emptyDir, { recursive: true, force: true });
  }
});
