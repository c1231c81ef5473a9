/**
 * Registry failures that retrying cannot fix are answered within seconds, name the URL and the cause, and read the
 * same on Deno and Bun: a closed port, a host under `.invalid`, a plain-HTTP registry without insecure, a TLS
 * listener with a self-signed certificate, 401/403 from a registry with auth, 404 for a missing repository. Checked
 * through the library, through `/api/pull` of a real server, and through the CLI (`pull`, `run` of a mistyped name).
 * The time bounds are generous (a loaded 2-core box); what they rule out is the old 23–51 s of retries.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { createServer as createNetServer, type Socket } from "node:net";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pullModel, RegistryConnectionError } from "../src/registry/mod.ts";
import { type FaultProxy, startFaultProxy } from "./helpers/fault_proxy.ts";
import { freePort } from "./helpers/net.ts";
import { basicAuthSkip, type RegistryHandle, registrySkip, startRegistry } from "./helpers/registry.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { runCliProcess } from "./helpers/cli.ts";

/** Library calls must fail within this (the old retries took 23–51 s). */
const FAST_MS = 10_000;
/** A CLI child also starts a runtime and loads the source. */
const FAST_CLI_MS = 20_000;

const opensslSkip = spawnSync("openssl", ["version"]).status === 0 ? false : "openssl is not installed";

let dir: string;
let closedPort: number;
let tls: TlsServer | undefined;
let tlsPort = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tollama-registry-errors-"));
  closedPort = await freePort();
  if (opensslSkip) return;
  // A self-signed certificate made here, for a TLS listener no client trusts.
  const made = spawnSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ]);
  assert.equal(made.status, 0, String(made.stderr));
  const server = createTlsServer({ key: await readFile(join(dir, "key.pem")), cert: await readFile(join(dir, "cert.pem")) }, (socket) => {
    socket.on("error", () => {});
    socket.end("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
  });
  server.on("tlsClientError", () => {});
  tls = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tlsPort = (server.address() as { port: number }).port;
});
after(async () => {
  await new Promise<void>((resolve) => tls ? tls.close(() => resolve()) : resolve());
  await rm(dir, { recursive: true, force: true });
});

/** Pulls `name` into a fresh store; returns the error and how long the pull took; the store stays empty. */
async function failedPull(name: string, options: { insecure?: boolean } = {}): Promise<{ error: Error; ms: number }> {
  const modelsDir = await mkdtemp(join(dir, "models-"));
  const started = Date.now();
  let error: Error | undefined;
  try {
    await pullModel(name, { modelsDir, ...options });
  } catch (caught) {
    error = caught as Error;
  }
  const ms = Date.now() - started;
  assert.ok(error, `pull of ${name} should fail`);
  assert.ok(ms < FAST_MS, `pull of ${name} took ${ms} ms: ${error.message}`);
  for (const sub of await readdir(modelsDir)) assert.deepEqual(await readdir(join(modelsDir, sub)), [], `nothing in ${sub}/`);
  return { error, ms };
}

describe("pullModel() answers what retrying cannot fix at once", () => {
  test("a closed port: connection refused, with the URL", async () => {
    const { error } = await failedPull(`127.0.0.1:${closedPort}/library/tiny`);
    assert.equal(
      error.message,
      `pull model manifest: Get "https://127.0.0.1:${closedPort}/v2/library/tiny/manifests/latest": ` +
        `dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
    );
    assert.ok(error.cause instanceof RegistryConnectionError);
    assert.equal(error.cause.kind, "refused");
    assert.equal(error.cause.retryable, false);
  });

  test("a closed port over insecure http", async () => {
    const { error } = await failedPull(`127.0.0.1:${closedPort}/library/tiny:q4`, { insecure: true });
    assert.equal(
      error.message,
      `pull model manifest: Get "http://127.0.0.1:${closedPort}/v2/library/tiny/manifests/q4": ` +
        `dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
    );
  });

  test("a host that does not resolve", async () => {
    const { error } = await failedPull("registry.tollama.invalid/library/tiny");
    assert.equal(
      error.message,
      `pull model manifest: Get "https://registry.tollama.invalid/v2/library/tiny/manifests/latest": ` +
        "dial tcp: lookup registry.tollama.invalid: no such host",
    );
  });

  test("a TLS listener whose certificate nobody signed", { skip: opensslSkip }, async () => {
    const { error } = await failedPull(`127.0.0.1:${tlsPort}/library/tiny`);
    assert.equal(
      error.message,
      `pull model manifest: Get "https://127.0.0.1:${tlsPort}/v2/library/tiny/manifests/latest": ` +
        "tls: failed to verify certificate: x509: certificate signed by unknown authority",
    );
  });
});

test("pullModel() tries a registry that never answers again, then names the URL", async () => {
  // Timeouts are what retrying can fix: each attempt gets its own connection.
  const sockets: Socket[] = [];
  const silent = createNetServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const port = (silent.address() as { port: number }).port;
  try {
    const modelsDir = await mkdtemp(join(dir, "models-"));
    await assert.rejects(
      pullModel(`127.0.0.1:${port}/library/tiny`, { modelsDir, insecure: true, stallTimeoutMs: 300, maxRetries: 1, retryBaseMs: 5 }),
      { message: `pull model manifest: Get "http://127.0.0.1:${port}/v2/library/tiny/manifests/latest": no answer from the registry in 300 ms` },
    );
    assert.equal(sockets.length, 2, "one try and one retry");
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

describe("pullModel() against a real registry", { skip: registrySkip() }, () => {
  let registry: RegistryHandle;
  let proxy: FaultProxy;
  before(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy({ upstream: registry.url, schedule: () => ({ kind: "status", status: 403 }) });
  });
  after(async () => {
    await proxy?.close();
    await registry?.stop();
  });

  test("plain HTTP without insecure: server gave HTTP response to HTTPS client", async () => {
    const { error } = await failedPull(`${registry.host}/library/tiny`);
    assert.equal(
      error.message,
      `pull model manifest: Get "https://${registry.host}/v2/library/tiny/manifests/latest": ` +
        "http: server gave HTTP response to HTTPS client (a plain-HTTP registry needs --insecure)",
    );
  });

  test("a missing repository: pull model manifest: file does not exist", async () => {
    const { error } = await failedPull(`${registry.host}/library/mistyped`, { insecure: true });
    assert.equal(error.message, "pull model manifest: file does not exist");
  });

  test("403 from the registry: the status and body, not retried", async () => {
    const { error } = await failedPull(`${proxy.host}/library/tiny`, { insecure: true });
    assert.match(error.message, /^pull model manifest: 403: /);
    assert.equal(proxy.stats.log.filter((line) => line.includes("/manifests/")).length, 1, proxy.stats.log.join("\n"));
  });
});

describe("pullModel() against a registry with auth", { skip: basicAuthSkip() }, () => {
  test("401 without credentials: unauthorized, naming the host", async () => {
    await using registry = await startRegistry({ auth: "basic" });
    const { error } = await failedPull(`${registry.host}/library/tiny`, { insecure: true });
    assert.equal(
      error.message,
      `pull model manifest: unauthorized: access denied (${registry.host} wants a user name and password)`,
    );
  });
});

describe("the server and the CLI say the same, quickly", () => {
  let server: TestServer;
  let home: string;
  before(async () => {
    server = await startTestServer();
    home = await mkdtemp(join(dir, "home-"));
  });
  after(async () => {
    await server?.[Symbol.asyncDispose]();
  });

  test("/api/pull streams the named error", async () => {
    const started = Date.now();
    const response = await fetch(`${server.url}/api/pull`, {
      method: "POST",
      body: JSON.stringify({ model: `127.0.0.1:${closedPort}/library/tiny` }),
    });
    const lines = (await response.text()).trim().split("\n").map((line) => JSON.parse(line));
    assert.ok(Date.now() - started < FAST_MS);
    assert.deepEqual(lines, [
      { status: "pulling manifest" },
      {
        error: `pull model manifest: Get "https://127.0.0.1:${closedPort}/v2/library/tiny/manifests/latest": ` +
          `dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
      },
    ]);
  });

  test("tollama pull of an unresolvable host", async () => {
    const started = Date.now();
    const r = await runCliProcess(["pull", "registry.tollama.invalid/library/tiny"], { env: { OLLAMA_HOST: server.url, HOME: home } });
    assert.ok(Date.now() - started < FAST_CLI_MS, `took ${Date.now() - started} ms`);
    assert.deepEqual(r, {
      code: 1,
      stdout: "",
      stderr: "pulling manifest\nError: pull model manifest: " +
        `Get "https://registry.tollama.invalid/v2/library/tiny/manifests/latest": dial tcp: lookup registry.tollama.invalid: no such host\n`,
    });
  });

  test("tollama push to a closed port", { skip: fixtureSkip("tiny-spm") }, async () => {
    const name = `127.0.0.1:${closedPort}/me/tiny:latest`;
    await installGguf(server.store, name, await fixtureModel("tiny-spm"));
    const started = Date.now();
    const r = await runCliProcess(["push", "--insecure", name], { env: { OLLAMA_HOST: server.url, HOME: home } });
    assert.ok(Date.now() - started < FAST_CLI_MS, `took ${Date.now() - started} ms`);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `\nError: Head "http://127\\.0\\.0\\.1:${closedPort}/v2/me/tiny/blobs/sha256:[0-9a-f]{64}": ` +
          `dial tcp 127\\.0\\.0\\.1:${closedPort}: connect: connection refused\n$`,
      ),
    );
  });

  test("tollama run of a mistyped name does not sit for half a minute", async () => {
    // The default registry: offline its name does not resolve, online it answers 404. Either is quick.
    const started = Date.now();
    const r = await runCliProcess(["run", "mistyped-model-tollama-test", "hi"], { env: { OLLAMA_HOST: server.url, HOME: home } });
    assert.ok(Date.now() - started < FAST_CLI_MS, `took ${Date.now() - started} ms`);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^pulling manifest\nError: pull model manifest: (file does not exist|Get "https:\/\/registry\.ollama\.ai\/v2\/library\/mistyped-model-tollama-test\/manifests\/latest": .+)\n$/,
    );
  });
});
