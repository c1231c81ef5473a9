import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, verify } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../runtime/mod.ts";
import { createAuthHook, dockerCredentials, parseChallenge, signTokenRequest, tokenRequestUrl } from "./auth.ts";
import { UnauthorizedError } from "./http.ts";
import { createKeyPair } from "./keypair.ts";

test("parseChallenge() reads Ollama's Bearer challenge, commas inside quotes included", () => {
  const c = parseChallenge(
    'Bearer realm="https://auth.example.com/token",service="registry",scope="repository:library/test:pull,push"',
  );
  assert.deepEqual(c && { scheme: c.scheme, realm: c.realm, service: c.service, scope: c.scope }, {
    scheme: "bearer",
    realm: "https://auth.example.com/token",
    service: "registry",
    scope: "repository:library/test:pull,push",
  });
  assert.equal(parseChallenge('Basic realm="Registry Realm"')?.scheme, "basic");
  assert.equal(parseChallenge('Basic realm="Registry Realm"')?.realm, "Registry Realm");
  assert.equal(parseChallenge('Bearer realm=http://x/t, service=svc')?.service, "svc");
  assert.equal(parseChallenge('Bearer realm="a\\"b"')?.realm, 'a"b');
  assert.equal(parseChallenge(""), undefined);
});

test("tokenRequestUrl() encodes like Go's url.Values.Encode: sorted keys, one scope per space-separated scope", () => {
  const url = tokenRequestUrl(
    { scheme: "bearer", realm: "https://ollama.com/token?x=1", service: "ollama.com", scope: "repository:a/b:pull repository:c/d:pull,push", params: {} },
    { now: 1_700_000_000_999, nonce: "n-_~*" },
  );
  assert.equal(
    url,
    "https://ollama.com/token?nonce=n-_~%2A&scope=repository%3Aa%2Fb%3Apull&scope=repository%3Ac%2Fd%3Apull%2Cpush" +
      "&service=ollama.com&ts=1700000000&x=1",
  );
  const fresh = new URL(tokenRequestUrl({ scheme: "bearer", realm: "http://h/t", service: "s", scope: "", params: {} }));
  assert.match(fresh.searchParams.get("nonce")!, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(fresh.searchParams.get("scope"), "");
});

test("signTokenRequest() signs GET,<url>,<base64(hex(sha256('')))> with the key named in the header", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-auth-"));
  try {
    const key = await createKeyPair(join(dir, "id_ed25519"));
    const url = "http://127.0.0.1:1/token?nonce=x&scope=&service=s&ts=1";
    const [field, signature] = signTokenRequest(key, url).split(":");
    assert.equal(field, key.publicKeyField);
    const hash = Buffer.from(createHash("sha256").update("").digest("hex")).toString("base64");
    assert.equal(hash, "ZTNiMGM0NDI5OGZjMWMxNDlhZmJmNGM4OTk2ZmI5MjQyN2FlNDFlNDY0OWI5MzRjYTQ5NTk5MWI3ODUyYjg1NQ==");
    assert.ok(verify(null, Buffer.from(`GET,${url},${hash}`), key.publicKey(), Buffer.from(signature, "base64")));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** A token endpoint on loopback that records what it was sent. */
async function tokenServer(reply: (request: Request) => Response) {
  const seen: Array<{ url: string; authorization: string | null }> = [];
  const server = await runtime.serve((request) => {
    seen.push({ url: request.url, authorization: request.headers.get("authorization") });
    return reply(request);
  }, { hostname: "127.0.0.1", port: 0 });
  return { seen, url: `http://127.0.0.1:${server.port}`, host: `127.0.0.1:${server.port}`, close: () => server.close() };
}

test("createAuthHook() signs the token request on the registry's host and returns Bearer <token>", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-auth-"));
  const server = await tokenServer(() => Response.json({ token: "tok-1" }));
  try {
    const keyPath = join(dir, "id_ed25519");
    const hook = createAuthHook({ keyPath, credentials: () => undefined });
    const value = await hook(`Bearer realm="${server.url}/token",service="svc",scope="repository:a/b:pull"`, {
      url: new URL(`${server.url}/v2/a/b/manifests/latest`),
      method: "GET",
    });
    assert.equal(value, "Bearer tok-1");
    const request = server.seen[0];
    const [field, signature] = request.authorization!.split(":");
    const key = await createKeyPair(join(dir, "other")); // a different key must not verify
    const { loadOrCreateKeyPair } = await import("./keypair.ts");
    const mine = await loadOrCreateKeyPair(keyPath);
    assert.equal(field, mine.publicKeyField);
    const hash = Buffer.from(createHash("sha256").update("").digest("hex")).toString("base64");
    const signed = Buffer.from(`GET,${request.url},${hash}`);
    assert.ok(verify(null, signed, mine.publicKey(), Buffer.from(signature, "base64")));
    assert.ok(!verify(null, signed, key.publicKey(), Buffer.from(signature, "base64")));
    assert.equal(new URL(request.url).searchParams.get("scope"), "repository:a/b:pull");
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("createAuthHook() never signs for a realm on another host: anonymous token, access_token accepted", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-auth-"));
  const server = await tokenServer(() => Response.json({ access_token: "anon" }));
  try {
    const hook = createAuthHook({ keyPath: join(dir, "id_ed25519"), credentials: () => undefined });
    const value = await hook(`Bearer realm="${server.url}/token",service="svc"`, {
      url: new URL("http://127.0.0.2:9/v2/x/y/blobs/sha256:00"),
      method: "HEAD",
    });
    assert.equal(value, "Bearer anon");
    assert.equal(server.seen[0].authorization, null);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("createAuthHook() answers Basic challenges with credentials, and refuses without them", async () => {
  const url = new URL("http://127.0.0.1:5000/v2/");
  const withCreds = createAuthHook({ credentials: { username: "u", password: "p:w" } });
  assert.equal(await withCreds('Basic realm="r"', { url, method: "GET" }), `Basic ${btoa("u:p:w")}`);
  const without = createAuthHook({ credentials: () => undefined });
  await assert.rejects(without('Basic realm="r"', { url, method: "GET" }), UnauthorizedError);
  await assert.rejects(without("Negotiate", { url, method: "GET" }), /unauthorized: access denied/);
});

test("createAuthHook() turns a refused token request into unauthorized: access denied", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-auth-"));
  const server = await tokenServer(() => new Response("no", { status: 401 }));
  try {
    const hook = createAuthHook({ keyPath: join(dir, "id_ed25519"), credentials: () => undefined });
    await assert.rejects(
      hook(`Bearer realm="${server.url}/token",service="s"`, { url: new URL(`${server.url}/v2/`), method: "GET" }),
      (error: Error) => error instanceof UnauthorizedError && error.message === "unauthorized: access denied",
    );
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("dockerCredentials() reads auths.<host>.auth and username/password from a docker config.json", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-auth-"));
  try {
    const path = join(dir, "config.json");
    await writeFile(path, JSON.stringify({
      auths: {
        "127.0.0.1:5000": { auth: btoa("alice:s3:cret") },
        "https://reg.example": { username: "bob", password: "pw" },
      },
    }));
    assert.deepEqual(await dockerCredentials("127.0.0.1:5000", path), { username: "alice", password: "s3:cret" });
    assert.deepEqual(await dockerCredentials("reg.example", path), { username: "bob", password: "pw" });
    assert.equal(await dockerCredentials("other", path), undefined);
    assert.equal(await dockerCredentials("other", join(dir, "missing.json")), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
