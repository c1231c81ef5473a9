import { test } from "node:test";
import assert from "node:assert/strict";
import { createApp } from "./app.ts";
import { Scheduler } from "../engine/mod.ts";
import type { AppDeps, ServerRunner, ServerStore } from "./deps.ts";

// These requests are all refused before any model work: the store and prompt renderer must never be reached.
const unreachable = new Proxy({}, {
  get: (_, key) => () => {
    throw new Error(`store.${String(key)} must not be called`);
  },
}) as unknown as ServerStore;

function app(extra: Partial<AppDeps> = {}) {
  const scheduler = new Scheduler<ServerRunner>({ loadRunner: () => Promise.reject(new Error("no loads here")) });
  return createApp({ store: unreachable, scheduler, prompt: unreachable as never, ...extra });
}

const post = (path: string, body: BodyInit | null, headers: Record<string, string> = {}) =>
  app().request(path, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

test("createApp() answers / and /api/version", async () => {
  const res = await app().request("/");
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "Ollama is running");
  const head = await app().request("/", { method: "HEAD" });
  assert.equal(head.status, 200);
  const version = await (await app().request("/api/version")).json();
  assert.match(version.version, /^\d+\.\d+\.\d+/);
});

test("createApp() answers 404 page not found and 405 for a wrong method", async () => {
  const missing = await app().request("/api/nothing");
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), "404 page not found");
  const wrong = await app().request("/api/generate");
  assert.equal(wrong.status, 405);
  const wrongDelete = await app().request("/api/delete", { method: "POST" });
  assert.equal(wrongDelete.status, 405);
});

test("createApp() refuses a missing body, invalid JSON and wrong types with Ollama's messages", async () => {
  let res = await post("/api/chat", null);
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { error: "missing request body" });
  res = await post("/api/chat", "{bad");
  assert.deepEqual(await res.json(), { error: "invalid character 'b' looking for beginning of object key string" });
  res = await post("/api/generate", '{"model":"x",');
  assert.deepEqual(await res.json(), { error: "unexpected EOF" });
  res = await post("/api/chat", '{"model":"x","stream":"yes"}');
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), {
    error: "json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool",
  });
  res = await post("/api/chat", '{"model":"x","messages":[{"role":"user","content":5}]}');
  assert.deepEqual(await res.json(), {
    error: "json: cannot unmarshal number into Go struct field ChatRequest.messages.content of type string",
  });
});

test("createApp() refuses malformed UTF-8 and oversized bodies", async () => {
  const bad = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
  let res = await post("/api/chat", bad);
  assert.equal(res.status, 400);
  assert.match((await res.json()).error, /UTF-8/);
  const small = createApp({ ...depsFor(), bodyLimit: 100 });
  res = await small.request("/api/chat", { method: "POST", body: JSON.stringify({ model: "x".repeat(200) }) });
  assert.equal(res.status, 413);
});

function depsFor(): AppDeps {
  const scheduler = new Scheduler<ServerRunner>({ loadRunner: () => Promise.reject(new Error("no loads here")) });
  return { store: unreachable, scheduler, prompt: unreachable as never };
}

test("createApp() checks names, digests and request fields before touching the store", async () => {
  let res = await post("/api/chat", JSON.stringify({ messages: [] }));
  assert.deepEqual([res.status, await res.json()], [400, { error: "model is required" }]);
  res = await post("/api/generate", JSON.stringify({ model: "" }));
  assert.deepEqual([res.status, await res.json()], [404, { error: "model '' not found" }]);
  res = await post("/api/generate", JSON.stringify({ model: "m", raw: true, system: "s", prompt: "p" }));
  assert.deepEqual(await res.json(), { error: "raw mode does not support template, system, or context" });
  res = await post("/api/generate", JSON.stringify({ model: "m", think: "hard", prompt: "p" }));
  assert.match((await res.json()).error, /^invalid think value: "hard"/);
  res = await post("/api/generate", JSON.stringify({ model: "m", top_logprobs: 50, prompt: "p" }));
  assert.deepEqual(await res.json(), { error: "top_logprobs must be between 0 and 20" });
  res = await post("/api/generate", JSON.stringify({ model: "m", format: "yaml", prompt: "p" }));
  assert.deepEqual([res.status, await res.json()], [400, { error: 'invalid format: "yaml"' }]);
  res = await post("/api/pull", JSON.stringify({ name: "bad name!" }));
  assert.deepEqual([res.status, await res.json()], [400, { error: "invalid model name" }]);
  res = await post("/api/copy", JSON.stringify({ source: "a", destination: "b/c/d/e" }));
  assert.deepEqual(await res.json(), { error: 'destination "b/c/d/e" is invalid' });
  res = await app().request("/api/delete", { method: "DELETE", body: JSON.stringify({ model: "::" }) });
  assert.deepEqual([res.status, await res.json()], [400, { error: 'name "::" is invalid' }]);
  res = await app().request("/api/blobs/sha256:abc", { method: "HEAD" });
  assert.equal(res.status, 400);
  res = await post("/api/blobs/md5-00", "x");
  assert.deepEqual([res.status, await res.json()], [400, { error: "invalid digest format" }]);
  res = await post("/api/create", JSON.stringify({ model: "m" }));
  assert.deepEqual(await res.json(), { error: "neither 'from' or 'files' was specified" });
});

test("createApp() answers OpenAI errors in OpenAI's shape", async () => {
  const res = await post("/v1/chat/completions", JSON.stringify({ model: "m", messages: [] }));
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), {
    error: { message: "[] is too short - 'messages'", type: "invalid_request_error", param: null, code: null },
  });
  const emb = await post("/v1/embeddings", JSON.stringify({ model: "m", input: [] }));
  assert.equal((await emb.json()).error.message, "invalid input");
  const enc = await post("/v1/embeddings", JSON.stringify({ model: "m", input: "x", encoding_format: "hex" }));
  assert.equal(enc.status, 400);
});

test("createApp() applies CORS: localhost origins allowed, others 403, preflight 204", async () => {
  const ok = await app().request("/api/version", { headers: { origin: "http://localhost:3000" } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("access-control-allow-origin"), "http://localhost:3000");
  const ext = await app().request("/api/version", { headers: { origin: "chrome-extension://abc" } });
  assert.equal(ext.status, 200);
  const evil = await app().request("/api/version", { headers: { origin: "https://evil.example" } });
  assert.equal(evil.status, 403);
  const pre = await app().request("/api/chat", {
    method: "OPTIONS",
    headers: { origin: "http://127.0.0.1:8080", "access-control-request-method": "POST" },
  });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get("access-control-allow-headers") ?? "", /Content-Type/);
  const extra = createApp({ ...depsFor(), origins: ["https://*.example.com"] });
  const allowed = await extra.request("/api/version", { headers: { origin: "https://app.example.com" } });
  assert.equal(allowed.status, 200);
});

test("createApp() guards loopback binds against DNS rebinding", async () => {
  const guarded = app();
  assert.equal((await guarded.request("http://localhost:11434/api/version")).status, 200);
  assert.equal((await guarded.request("http://127.0.0.1:11434/api/version")).status, 200);
  assert.equal((await guarded.request("http://foo.localhost/api/version")).status, 200);
  assert.equal((await guarded.request("http://192.168.1.2/api/version")).status, 200);
  const evil = await guarded.request("http://evil.example.com/api/version", { headers: { host: "evil.example.com" } });
  assert.equal(evil.status, 403);
  const open = createApp({ ...depsFor(), bindHost: "0.0.0.0" });
  assert.equal((await open.request("http://evil.example.com/api/version")).status, 200);
});

test("createApp() lists no running models on a fresh scheduler", async () => {
  assert.deepEqual(await (await app().request("/api/ps")).json(), { models: [] });
});

test("createApp() logs one line per request when asked, as gin does (on stdout)", async () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    await createApp({ ...depsFor(), logRequests: true }).request("/api/version?x=1");
  } finally {
    console.log = original;
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^\[GIN\] \d{4}\/\d\d\/\d\d - \d\d:\d\d:\d\d \| 200 \| +[\d.]+(ns|µs|ms|s) \| +\| GET {6}"\/api\/version\?x=1"$/);
});
