import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateKeyPair } from "../src/registry/keypair.ts";
import { createAuthHook, pushModel, UnauthorizedError } from "../src/registry/mod.ts";
import { runtime } from "../src/runtime/mod.ts";
import { basicAuthSkip, fetchManifest, registrySkip, startRegistry } from "./helpers/registry.ts";
import { makeStoreModel } from "./helpers/store_model.ts";

async function tempKey() {
  const dir = await mkdtemp(join(tmpdir(), "tollama-key-"));
  const path = join(dir, "id_ed25519");
  const key = await loadOrCreateKeyPair(path);
  return { path, key, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

test("pushModel() to a Basic-auth registry: right credentials push, wrong ones get unauthorized: access denied", {
  skip: basicAuthSkip(),
}, async () => {
  await using registry = await startRegistry({ auth: "basic" });
  const name = `${registry.host}/me/basic:latest`;
  await using model = await makeStoreModel(name, { modelBytes: 20_000 });
  await assert.rejects(
    pushModel(name, { modelsDir: model.dir, insecure: true, auth: createAuthHook({ credentials: { username: registry.username, password: "wrong" } }) }),
    (error: Error) => error instanceof UnauthorizedError && error.message === "unauthorized: access denied",
  );
  await pushModel(name, { modelsDir: model.dir, insecure: true, auth: createAuthHook({ credentials: { username: registry.username, password: registry.password } }) });
  assert.deepEqual(await fetchManifest(registry, "me/basic", "latest"), model.raw);
});

test("pushModel() gets Ollama-style signed tokens: the registry's token server verifies the ed25519 signature", {
  skip: registrySkip(),
}, async () => {
  await using key = await tempKey();
  await using registry = await startRegistry({ auth: "token", authorizedKeys: [key.key.authorizedKey] });
  const name = `${registry.host}/me/signed:latest`;
  await using model = await makeStoreModel(name, { modelBytes: 20_000 });
  await pushModel(name, { modelsDir: model.dir, insecure: true, auth: createAuthHook({ keyPath: key.path }) });
  assert.deepEqual(await fetchManifest(registry, "me/signed", "latest"), model.raw);
  assert.ok(registry.tokens.issued >= 1);
  assert.equal(registry.tokens.refused, 0);
  // Every forwarded request carried a token with the push scope (the proxy refuses anything else).
  assert.ok(registry.tokens.forwarded.every((line) => !line.endsWith(" 401")));
});

test("pushModel() with a key the token server does not know is refused with unauthorized: access denied", {
  skip: registrySkip(),
}, async () => {
  await using known = await tempKey();
  await using stranger = await tempKey();
  await using registry = await startRegistry({ auth: "token", authorizedKeys: [known.key.authorizedKey] });
  const name = `${registry.host}/me/denied:latest`;
  await using model = await makeStoreModel(name, { modelBytes: 1000 });
  await assert.rejects(
    pushModel(name, { modelsDir: model.dir, insecure: true, auth: createAuthHook({ keyPath: stranger.path }) }),
    { name: "UnauthorizedError", message: "unauthorized: access denied" },
  );
  assert.equal(registry.tokens.lastRefusal, "unknown key");
  assert.equal(registry.tokens.forwarded.length, 0);
});

test("pushModel() reports a 401 that carries no challenge clearly", async () => {
  const server = await runtime.serve(() => new Response("go away", { status: 401 }), { hostname: "127.0.0.1", port: 0 });
  const name = `127.0.0.1:${server.port}/me/nochallenge:latest`;
  try {
    await using model = await makeStoreModel(name, { modelBytes: 100 });
    await assert.rejects(pushModel(name, { modelsDir: model.dir, insecure: true }), {
      name: "UnauthorizedError",
      message: "unauthorized: access denied (no WWW-Authenticate challenge)",
    });
  } finally {
    await server.close();
  }
});
