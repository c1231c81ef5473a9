// TOLLAMA_API_KEY: every route family refuses a missing or wrong key with a 401 in its own API's shape and serves
// the right one (Bearer or x-api-key); `/`, `HEAD /` and /api/version stay open, CORS preflights still work; the
// ollama, openai and Anthropic npm clients and the CLI get through with the key; a real `tollama serve` never
// logs a key.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ollama } from "ollama";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf } from "./helpers/server.ts";
import { childEnv, cliCommand, runCliProcess } from "./helpers/cli.ts";
import { freePort } from "./helpers/net.ts";
import { serve, type TollamaServer } from "../src/server/mod.ts";

const skip = fixtureSkip("tiny-spm");
const KEYS = ["key-one-a8f3", "second-key-77"];
let server: TollamaServer;
let dir: string;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tollama-keys-"));
  server = await serve({ hostname: "127.0.0.1", port: 0, modelsDir: dir, apiKeys: KEYS });
  await installGguf(server.store, "tiny:latest", await fixtureModel("tiny-spm"));
});
after(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Family = "ollama" | "openai" | "anthropic";
const tiny = { num_predict: 2, temperature: 0, num_ctx: 256 };
/** One request per route family: method, path, body, and the API whose error shape a 401 takes. */
const ROUTES: Array<[string, string, unknown, Family]> = [
  ["GET", "/api/tags", undefined, "ollama"],
  ["GET", "/api/ps", undefined, "ollama"],
  ["POST", "/api/show", { model: "tiny" }, "ollama"],
  ["POST", "/api/generate", { model: "tiny", prompt: "hi", stream: false, options: tiny }, "ollama"],
  ["POST", "/api/chat", { model: "tiny", messages: [{ role: "user", content: "hi" }], stream: false, options: tiny }, "ollama"],
  ["POST", "/api/embed", { model: "tiny", input: "hi", options: { num_ctx: 256 } }, "ollama"],
  ["HEAD", `/api/blobs/sha256:${"0".repeat(64)}`, undefined, "ollama"],
  ["POST", "/api/copy", { source: "tiny", destination: "tiny-copy" }, "ollama"],
  ["GET", "/metrics", undefined, "ollama"],
  ["GET", "/v1/models", undefined, "openai"],
  ["GET", "/v1/models/tiny", undefined, "openai"],
  ["POST", "/v1/chat/completions", { model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2 }, "openai"],
  ["POST", "/v1/completions", { model: "tiny", prompt: "hi", max_tokens: 2 }, "openai"],
  ["POST", "/v1/embeddings", { model: "tiny", input: "hi" }, "openai"],
  ["POST", "/v1/messages", { model: "tiny", max_tokens: 2, messages: [{ role: "user", content: "hi" }] }, "anthropic"],
  ["POST", "/v1/messages/count_tokens", { model: "tiny", messages: [{ role: "user", content: "hi" }] }, "anthropic"],
];

async function call(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return await fetch(`${server.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function assertShape(family: Family, status: number, text: string, what: string): void {
  assert.equal(status, 401, what);
  const body = JSON.parse(text);
  if (family === "ollama") assert.deepEqual(body, { error: "unauthorized" }, what);
  else if (family === "openai") {
    assert.equal(body.error.type, "invalid_request_error", what);
    assert.equal(body.error.code, "invalid_api_key", what);
    assert.equal(typeof body.error.message, "string", what);
  } else {
    assert.equal(body.type, "error", what);
    assert.equal(body.error.type, "authentication_error", what);
    assert.equal(typeof body.error.message, "string", what);
  }
  for (const key of KEYS) assert.ok(!text.includes(key), `${what}: no key echoed`);
}

test("every route family: no key and a wrong key are 401 in that API's shape; Bearer and x-api-key pass", {
  timeout: 180_000,
  skip,
}, async () => {
  for (const [method, path, body, family] of ROUTES) {
    const what = `${method} ${path}`;
    const none = await call(method, path, body, {});
    // HEAD answers carry no body: the status and the header say it
    if (method === "HEAD") {
      assert.equal(none.status, 401, what);
      assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    } else assertShape(family, none.status, await none.text(), `${what} without a key`);
    const wrongs: Record<string, string>[] = [{ authorization: "Bearer nope" }, { "x-api-key": "nope" }, { authorization: `Basic ${KEYS[0]}` }];
    for (const wrong of wrongs) {
      const response = await call(method, path, body, wrong);
      if (method === "HEAD") assert.equal(response.status, 401, what);
      else assertShape(family, response.status, await response.text(), `${what} with ${JSON.stringify(wrong)}`);
    }
    const rights: Record<string, string>[] = [{ authorization: `Bearer ${KEYS[0]}` }, { "x-api-key": KEYS[1] }, { authorization: `bearer ${KEYS[1]}` }];
    for (const right of rights) {
      const response = await call(method, path, body, right);
      const text = await response.text();
      assert.notEqual(response.status, 401, `${what} with ${JSON.stringify(right)}: ${text}`);
      assert.ok(response.status < 500, `${what}: ${response.status} ${text}`);
    }
  }
});

test("/, HEAD / and /api/version need no key; a CORS preflight works and a 401 carries CORS headers", { skip }, async () => {
  const root = await fetch(`${server.url}/`);
  assert.equal(root.status, 200);
  assert.equal(await root.text(), "Ollama is running");
  assert.equal((await fetch(`${server.url}/`, { method: "HEAD" })).status, 200);
  const version = await fetch(`${server.url}/api/version`);
  assert.equal(version.status, 200);
  assert.match((await version.json()).version, /^\d+\.\d+\.\d+/);
  // the exemption is exact: /api/version's neighbours are guarded
  assert.equal((await call("POST", "/api/version", {}, {})).status, 401);
  assert.equal((await call("GET", "/api/versions", undefined, {})).status, 401);

  const origin = "http://localhost:3000";
  const preflight = await fetch(`${server.url}/api/chat`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), origin);
  assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /Authorization/);
  const refused = await fetch(`${server.url}/api/tags`, { headers: { origin } });
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get("access-control-allow-origin"), origin);
  await refused.text();
});

test("the ollama, openai and Anthropic npm clients get through with the key and fail without it", {
  timeout: 120_000,
  skip,
}, async () => {
  const ollama = new Ollama({ host: server.url, headers: { Authorization: `Bearer ${KEYS[0]}` } });
  assert.ok((await ollama.list()).models.some((m) => m.name === "tiny:latest"));
  const generated = await ollama.generate({ model: "tiny", prompt: "hi", stream: false, options: tiny });
  assert.equal(generated.done, true);
  await assert.rejects(new Ollama({ host: server.url }).list(), (error: Error & { status_code?: number }) => {
    assert.equal(error.message, "unauthorized");
    assert.equal(error.status_code, 401);
    return true;
  });

  const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEYS[1], maxRetries: 0 });
  assert.ok((await openai.models.list()).data.some((m) => m.id === "tiny:latest"));
  const completion = await openai.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
  assert.equal(completion.object, "chat.completion");
  await assert.rejects(
    new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "wrong", maxRetries: 0 }).models.list(),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.AuthenticationError);
      assert.equal(error.status, 401);
      assert.equal(error.code, "invalid_api_key");
      return true;
    },
  );

  const anthropic = new Anthropic({ baseURL: server.url, apiKey: KEYS[0], maxRetries: 0 });
  const counted = await anthropic.messages.countTokens({ model: "tiny", messages: [{ role: "user", content: "hi" }] });
  assert.ok(counted.input_tokens > 0);
  await assert.rejects(
    new Anthropic({ baseURL: server.url, apiKey: "wrong", maxRetries: 0 }).messages.create({
      model: "tiny",
      max_tokens: 2,
      messages: [{ role: "user", content: "hi" }],
    }),
    (error: unknown) => {
      assert.ok(error instanceof Anthropic.AuthenticationError);
      assert.equal(error.status, 401);
      return true;
    },
  );
});

test("the CLI sends TOLLAMA_API_KEY", { timeout: 120_000, skip }, async () => {
  const home = await mkdtemp(join(tmpdir(), "tollama-keys-cli-"));
  try {
    const env = { OLLAMA_HOST: server.url, HOME: home };
    const listed = await runCliProcess(["list"], { env: { ...env, TOLLAMA_API_KEY: KEYS[1] } });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^tiny:latest\s/m);
    const shown = await runCliProcess(["show", "tiny"], { env: { ...env, TOLLAMA_API_KEY: KEYS[0] } });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Model/);
    // `create` from a file the server lacks: the upload (POST /api/blobs) carries the key too
    await symlink(await fixtureModel("tiny-bpe"), join(home, "tiny.gguf"));
    await writeFile(join(home, "Modelfile"), "FROM ./tiny.gguf\n");
    const created = await runCliProcess(["create", "fromfile"], { cwd: home, env: { ...env, TOLLAMA_API_KEY: KEYS[0] } });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /copying file sha256:[0-9a-f]{64} 100%\n/);
    const refused = await runCliProcess(["list"], { env });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /unauthorized/);
    const wrong = await runCliProcess(["list"], { env: { ...env, TOLLAMA_API_KEY: "nope" } });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /unauthorized/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test("tollama serve never logs a key: not the configured ones, not one a client sends", { timeout: 120_000 }, async () => {
  const home = await mkdtemp(join(tmpdir(), "tollama-keys-log-"));
  const port = await freePort();
  const [program, ...args] = cliCommand();
  const child = spawn(program, [...args, "serve"], {
    cwd: home,
    env: childEnv({
      HOME: home,
      OLLAMA_MODELS: join(home, "models"),
      OLLAMA_HOST: `127.0.0.1:${port}`,
      OLLAMA_DEBUG: "1",
      TOLLAMA_API_KEY: KEYS.join(","),
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  try {
    const deadline = Date.now() + 60_000;
    while (!output.includes("Listening on")) {
      if (Date.now() > deadline || child.exitCode !== null) assert.fail(`no Listening line:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = `http://127.0.0.1:${port}`;
    const sent = "client-sent-secret-91";
    const sends: Record<string, string>[] = [{ authorization: `Bearer ${KEYS[0]}` }, { "x-api-key": KEYS[1] }, { authorization: `Bearer ${sent}` }];
    for (const headers of sends) {
      await (await fetch(`${url}/api/tags`, { headers })).text();
      await (await fetch(`${url}/api/show`, { method: "POST", headers, body: JSON.stringify({ model: "missing" }) })).text();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.match(output, /\| 401 \|/, "the refused request is logged, without its key");
    assert.match(output, /TOLLAMA_API_KEY:\(2 set\)/);
  } finally {
    child.kill("SIGTERM");
    await exited;
    await rm(home, { recursive: true, force: true });
  }
  for (const secret of [...KEYS, "client-sent-secret-91"]) assert.ok(!output.includes(secret), `${secret} is not in the logs`);
});
