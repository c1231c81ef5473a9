// The server as its own process, configured only by OLLAMA_* variables: bind, store, CORS origins, the
// DNS-rebinding guard over real sockets, and a clean exit on SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../src/runtime/mod.ts";
import { freePort } from "./helpers/net.ts";
import { startServeChild } from "./helpers/serve_child.ts";

/** A GET with a chosen Host header (fetch does not let one set it). */
function getWithHost(port: number, host: string, path = "/api/version", headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host, ...headers } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("serveUntilStopped(): OLLAMA_HOST/MODELS/ORIGINS, host guard, SIGTERM exits 0", { timeout: 60_000 }, async () => {
  const home = await mkdtemp(join(tmpdir(), "tollama-serve-"));
  try {
    const port = await freePort();
    const { child, output, exited } = await startServeChild({
      HOME: home,
      OLLAMA_HOST: `127.0.0.1:${port}`,
      OLLAMA_MODELS: join(home, "models"),
      OLLAMA_ORIGINS: "https://*.example.org",
    }, 30_000);
    const base = `http://127.0.0.1:${port}`;
    assert.equal(await (await fetch(base + "/")).text(), "Ollama is running");
    assert.deepEqual(await (await fetch(base + "/api/tags")).json(), { models: [] });
    assert.equal((await getWithHost(port, "evil.example.com")).status, 403);
    assert.equal((await getWithHost(port, `localhost:${port}`)).status, 200);
    const cors = await getWithHost(port, `localhost:${port}`, "/api/version", { origin: "https://app.example.org" });
    assert.equal(cors.headers["access-control-allow-origin"], "https://app.example.org");
    const denied = await getWithHost(port, `localhost:${port}`, "/api/version", { origin: "https://example.net" });
    assert.equal(denied.status, 403);
    child.kill("SIGTERM");
    const code = await exited;
    assert.match(output(), /serve exited with 0/);
    if (runtime.name === "bun") assert.equal(code, 0);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
