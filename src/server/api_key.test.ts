import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Hono } from "hono";
import { apiKeyGuard, keyMatches, unauthorized } from "./api_key.ts";

const digest = (text: string) => createHash("sha256").update(text).digest();

test("keyMatches() accepts any configured key and nothing else, whatever the lengths", () => {
  const keys = [digest("alpha"), digest("a-much-longer-second-key")];
  assert.equal(keyMatches("alpha", keys), true);
  assert.equal(keyMatches("a-much-longer-second-key", keys), true);
  for (const wrong of ["", "alph", "alphaa", "ALPHA", "a-much-longer-second-ke"]) assert.equal(keyMatches(wrong, keys), false, wrong);
  assert.equal(keyMatches("alpha", []), false);
});

test("unauthorized() answers in Ollama's, OpenAI's or Anthropic's shape by path", async () => {
  assert.deepEqual(await unauthorized("/api/chat", true).json(), { error: "unauthorized" });
  assert.deepEqual(await unauthorized("/metrics", false).json(), { error: "unauthorized" });
  const openai = await unauthorized("/v1/chat/completions", false).json();
  assert.deepEqual(openai.error, { message: "Incorrect API key provided.", type: "invalid_request_error", param: null, code: "invalid_api_key" });
  for (const path of ["/v1/messages", "/v1/messages/count_tokens"]) {
    const response = unauthorized(path, true);
    assert.equal(response.status, 401);
    assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer /);
    const body = await response.json();
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "authentication_error");
  }
  // /v1/messagesX is not the Anthropic route
  assert.equal((await unauthorized("/v1/messagesX", true).json()).error.code, "invalid_api_key");
});

test("apiKeyGuard() lets /, /api/version and OPTIONS through, and everything with no keys set", async () => {
  const app = new Hono();
  app.use("*", apiKeyGuard(["k"]));
  app.on(["GET", "POST", "OPTIONS"], "*", (c) => c.text("ok"));
  const status = async (method: string, path: string, headers: Record<string, string> = {}) =>
    (await app.request(path, { method, headers })).status;
  assert.equal(await status("GET", "/"), 200);
  assert.equal(await status("HEAD", "/"), 200);
  assert.equal(await status("GET", "/api/version"), 200);
  assert.equal(await status("OPTIONS", "/api/chat"), 200);
  assert.equal(await status("POST", "/"), 401);
  assert.equal(await status("GET", "/api/tags"), 401);
  assert.equal(await status("GET", "/api/tags", { authorization: "Bearer k" }), 200);
  assert.equal(await status("GET", "/api/tags", { authorization: "Bearer  k " }), 200);
  assert.equal(await status("GET", "/api/tags", { "x-api-key": "k" }), 200);
  // a right key in either header is enough
  assert.equal(await status("GET", "/api/tags", { authorization: "Bearer wrong", "x-api-key": "k" }), 200);
  assert.equal(await status("GET", "/api/tags", { authorization: "k" }), 401);
  const open = new Hono();
  open.use("*", apiKeyGuard([]));
  open.get("*", (c) => c.text("ok"));
  assert.equal((await open.request("/api/tags")).status, 200);
});
