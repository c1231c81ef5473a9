import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { uploadBlob } from "../src/registry/mod.ts";
import { runtime } from "../src/runtime/mod.ts";
import { fetchBlob, registrySkip, startRegistry } from "./helpers/registry.ts";
import { sha256Digest } from "./helpers/store_model.ts";

const skip = registrySkip();

type Forward = (method: string, target: string | URL, headers: Headers, body?: ArrayBuffer) => Promise<Response>;

/** A loopback proxy in front of the registry whose behaviour a test scripts; Location headers point back at it. */
async function scriptedProxy(upstream: string, route: (request: Request, body: ArrayBuffer | undefined, forward: Forward, origin: string) => Promise<Response>) {
  let origin = "";
  const forward: Forward = async (method, target, headers, body) => {
    const url = new URL(target, upstream);
    const sent = new Headers(headers);
    sent.delete("host");
    const response = await fetch(new URL(url.pathname + url.search, upstream), { method, headers: sent, body, redirect: "manual" });
    const out = new Headers(response.headers);
    const location = out.get("location");
    if (location?.startsWith(upstream)) out.set("location", origin + location.slice(upstream.length));
    out.delete("content-length");
    const data = method === "HEAD" ? null : await response.arrayBuffer();
    return new Response(response.status === 204 || !data ? null : data, { status: response.status, headers: out });
  };
  const server = await runtime.serve(async (request) => {
    const body = ["GET", "HEAD"].includes(request.method) ? undefined : await request.arrayBuffer();
    return await route(request, body, forward, origin);
  }, { hostname: "127.0.0.1", port: 0 });
  origin = `http://127.0.0.1:${server.port}`;
  return { origin, close: () => server.close() };
}

async function blobFile(size: number) {
  const dir = await mkdtemp(join(tmpdir(), "tollama-upload-"));
  const bytes = new Uint8Array(randomBytes(size));
  const path = join(dir, "blob");
  await writeFile(path, bytes);
  const layer = { mediaType: "application/vnd.ollama.image.model", digest: sha256Digest(bytes), size };
  return { path, bytes, layer, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

test("uploadBlob() resumes after a failed PATCH, and restarts the session when the registry lost it", { skip }, async () => {
  await using registry = await startRegistry();
  await using blob = await blobFile(100_000);
  let patches = 0;
  let patchedBytes = 0;
  const proxy = await scriptedProxy(registry.url, async (request, body, forward) => {
    const url = new URL(request.url);
    if (request.method === "PATCH") {
      patches++;
      patchedBytes += body!.byteLength;
      // 2nd PATCH: refused before reaching the registry, the session still stands at 25 000 → resend that part.
      if (patches === 2) return new Response("busy", { status: 503 });
      const response = await forward("PATCH", url.pathname + url.search, request.headers, body);
      // 4th PATCH: the bytes land but the answer is lost; the location in hand is stale and distribution
      // cancels the session when asked about it → a new upload from byte 0.
      if (patches === 4) return new Response("upstream hiccup", { status: 503 });
      return response;
    }
    return await forward(request.method, url.pathname + url.search, request.headers, body);
  });
  try {
    const progress: number[] = [];
    const result = await uploadBlob(blob.layer, {
      baseUrl: proxy.origin,
      repo: "me/flaky",
      path: blob.path,
      partSize: 25_000,
      backoffMs: 5,
      onProgress: (n) => progress.push(n),
    });
    assert.equal(result, "uploaded");
    assert.deepEqual(await fetchBlob(registry, "me/flaky", blob.layer.digest), blob.bytes);
    assert.equal(patches, 8);
    assert.equal(patchedBytes, 200_000);
    assert.deepEqual(progress, [25_000, 50_000, 25_000, 50_000, 75_000, 100_000]);
  } finally {
    await proxy.close();
  }
});

test("uploadBlob() gives up after repeated failures with the registry's error", { skip }, async () => {
  await using registry = await startRegistry();
  await using blob = await blobFile(1000);
  let patches = 0;
  const proxy = await scriptedProxy(registry.url, async (request, body, forward) => {
    const url = new URL(request.url);
    if (request.method === "PATCH") {
      patches++;
      return new Response("storage offline", { status: 500 });
    }
    return await forward(request.method, url.pathname + url.search, request.headers, body);
  });
  try {
    await assert.rejects(
      uploadBlob(blob.layer, { baseUrl: proxy.origin, repo: "me/down", path: blob.path, backoffMs: 1 }),
      { name: "RegistryError", message: "500: storage offline" },
    );
    assert.equal(patches, 7); // the first try and 6 retries, as Ollama's maxRetries
  } finally {
    await proxy.close();
  }
});

test("uploadBlob() follows a 307 on PATCH: the part goes by PUT to the redirect, the next PATCH to Docker-Upload-Location", { skip }, async () => {
  await using registry = await startRegistry();
  await using blob = await blobFile(60_000);
  // An "object store" behind redirects, as Ollama's registry does: the proxy keeps the registry's upload URL for
  // each redirect and applies the PUT bytes there as a PATCH.
  const pending = new Map<string, { registryLocation: string; range: string }>();
  const aliases = new Map<string, string>();
  let puts = 0;
  let next = 0;
  const proxy = await scriptedProxy(registry.url, async (request, body, forward, origin) => {
    const url = new URL(request.url);
    const resolve = (path: string) => {
      const alias = /^\/next\/(\d+)$/.exec(path)?.[1];
      return alias ? new URL(aliases.get(alias)!) : undefined;
    };
    if (request.method === "PATCH") {
      assert.equal(request.headers.get("x-redirect-uploads"), "1");
      const id = String(next++);
      const target = resolve(url.pathname) ?? new URL(url.pathname + url.search, registry.url);
      pending.set(id, { registryLocation: target.href, range: request.headers.get("content-range")! });
      return new Response(null, {
        status: 307,
        headers: { location: `${origin}/store/${id}`, "docker-upload-location": `${origin}/next/${id}` },
      });
    }
    const store = /^\/store\/(\d+)$/.exec(url.pathname)?.[1];
    if (request.method === "PUT" && store) {
      puts++;
      assert.equal(request.headers.get("authorization"), null);
      const { registryLocation, range } = pending.get(store)!;
      const headers = new Headers({ "content-type": "application/octet-stream", "content-range": range });
      const response = await fetch(registryLocation, { method: "PATCH", headers, body });
      await response.body?.cancel();
      aliases.set(store, new URL(response.headers.get("location")!, registry.url).href);
      return new Response(null, { status: response.status === 202 ? 200 : response.status });
    }
    const alias = resolve(url.pathname);
    if (alias) {
      for (const [key, value] of url.searchParams) alias.searchParams.set(key, value);
      return await forward(request.method, alias, request.headers, body);
    }
    return await forward(request.method, url.pathname + url.search, request.headers, body);
  });
  try {
    const result = await uploadBlob(blob.layer, { baseUrl: proxy.origin, repo: "me/redirected", path: blob.path, partSize: 20_000 });
    assert.equal(result, "uploaded");
    assert.equal(puts, 3);
    assert.deepEqual(await fetchBlob(registry, "me/redirected", blob.layer.digest), blob.bytes);
  } finally {
    await proxy.close();
  }
});

test("uploadBlob() retries a refused upload start, and counts a commit whose answer was lost as done", { skip }, async () => {
  await using registry = await startRegistry();
  await using blob = await blobFile(5000);
  let posts = 0;
  let commits = 0;
  const proxy = await scriptedProxy(registry.url, async (request, body, forward) => {
    const url = new URL(request.url);
    if (request.method === "POST" && ++posts === 1) return new Response("warming up", { status: 503 });
    const response = await forward(request.method, url.pathname + url.search, request.headers, body);
    if (request.method === "PUT" && url.searchParams.has("digest")) {
      commits++;
      assert.equal(response.status, 201);
      return new Response("gateway timeout", { status: 504 });
    }
    return response;
  });
  try {
    assert.equal(await uploadBlob(blob.layer, { baseUrl: proxy.origin, repo: "me/lost", path: blob.path, backoffMs: 1 }), "uploaded");
    assert.equal(posts, 2);
    assert.equal(commits, 1);
    assert.deepEqual(await fetchBlob(registry, "me/lost", blob.layer.digest), blob.bytes);
  } finally {
    await proxy.close();
  }
});
