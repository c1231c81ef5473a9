import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { basicAuthSkip, fetchBlob, fetchManifest, registrySkip, seedRegistry, startRegistry } from "./helpers/registry.ts";

const sha = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

test("startRegistry() runs a real registry that stores what it is given and stops by PID", { skip: registrySkip() }, async () => {
  const registry = await startRegistry();
  try {
    const v2 = await fetch(`${registry.url}/v2/`);
    assert.equal(v2.status, 200);
    await v2.body?.cancel();
    const blob = new TextEncoder().encode("hello registry");
    const manifest = new TextEncoder().encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: sha(blob), size: blob.length },
      layers: [],
    }));
    await seedRegistry(registry, "library/seeded", "latest", new Map([[sha(blob), blob]]), manifest);
    assert.deepEqual(await fetchBlob(registry, "library/seeded", sha(blob)), blob);
    assert.deepEqual(await fetchManifest(registry, "library/seeded", "latest"), manifest);
    assert.equal(await fetchManifest(registry, "library/seeded", "nope"), undefined);
  } finally {
    await registry.stop();
  }
  assert.throws(() => process.kill(registry.pid, 0));
  assert.equal(existsSync(registry.storageDir), false);
  await registry.stop(); // idempotent
});

test("startRegistry({ auth: 'basic' }) answers 401 with a Basic challenge until credentials are sent", { skip: basicAuthSkip() }, async () => {
  await using registry = await startRegistry({ auth: "basic" });
  const anonymous = await fetch(`${registry.url}/v2/`);
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Basic realm="tollama-test"/);
  await anonymous.body?.cancel();
  const good = await fetch(`${registry.url}/v2/`, { headers: { authorization: `Basic ${btoa(`${registry.username}:${registry.password}`)}` } });
  assert.equal(good.status, 200);
  await good.body?.cancel();
});

test("startRegistry({ auth: 'token' }) demands a Bearer token with the request's scope", { skip: registrySkip() }, async () => {
  await using registry = await startRegistry({ auth: "token", authorizedKeys: [] });
  const response = await fetch(`${registry.url}/v2/library/x/manifests/latest`);
  assert.equal(response.status, 401);
  assert.equal(
    response.headers.get("www-authenticate"),
    `Bearer realm="${registry.url}/token",service="tollama-test-registry",scope="repository:library/x:pull"`,
  );
  await response.body?.cancel();
  const token = await fetch(`${registry.url}/token?service=tollama-test-registry`);
  assert.equal(token.status, 401);
  await token.body?.cancel();
  assert.equal(registry.tokens.refused, 1);
});
