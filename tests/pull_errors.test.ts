/**
 * pullModel on bad input: invalid names and path traversal, insecure http, unknown models, manifests that are not
 * manifests, HTML from a captive portal, a 401 without a challenge. Each fails with a clear Ollama-shaped message
 * and leaves the store as it was.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidModelNameError, pullModel, type PullOptions } from "../src/registry/mod.ts";
import { type Fault, type FaultProxy, startFaultProxy } from "./helpers/fault_proxy.ts";
import { makeModel, seedModel, sha256 } from "./helpers/pull_fixture.ts";
import { type RegistryHandle, registrySkip, startRegistry } from "./helpers/registry.ts";

const OPTIONS: Partial<PullOptions> = { insecure: true, partSize: 64 * 1024, retryBaseMs: 5, maxRetries: 1, stallTimeoutMs: 400 };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-pull-err-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Everything under `dir`, as relative paths. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (sub: string) => {
    for (const entry of await readdir(join(dir, sub), { withFileTypes: true }).catch(() => [])) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else out.push(rel);
    }
  };
  await walk("");
  return out;
}

describe("pullModel rejects bad input", { skip: registrySkip() }, () => {
  let registry: RegistryHandle;
  let proxy: FaultProxy;
  const model = makeModel("library/small", "latest", 200 * 1024, 3);

  before(async () => {
    registry = await startRegistry();
    await seedModel(registry, model);
    proxy = await startFaultProxy({ upstream: registry.url });
  });
  after(async () => {
    await proxy?.close();
    await registry?.stop();
  });

  /** Pulls through the proxy with `fault` on the manifest GET; expects `message` and an untouched store. */
  async function expectManifestFailure(fault: Fault | undefined, message: string | RegExp): Promise<void> {
    await withDir(async (dir) => {
      proxy.setSchedule(({ path, method }) => method === "GET" && path.includes("/manifests/") ? fault : undefined);
      try {
        await assert.rejects(pullModel(`${proxy.host}/library/small:latest`, { ...OPTIONS, modelsDir: dir }), (error: Error) => {
          if (typeof message === "string") assert.equal(error.message, message);
          else assert.match(error.message, message);
          return true;
        });
      } finally {
        proxy.setSchedule(undefined);
      }
      assert.deepEqual(await files(dir), []);
    });
  }

  test("invalid names and path traversal never reach the file system", async () => {
    const names = [
      "",
      "../../etc/passwd",
      "..",
      "library/..",
      `${registry.host}/../../x`,
      `${registry.host}/library/../x:latest`,
      `${registry.host}/library/tiny:..`,
      `${registry.host}/library/tiny:../../../x`,
      "/etc/passwd",
      "a/b/c/d",
      "tiny:",
      "tiny:tag:x",
      "ns/tiny:tag/x:y",
      "ns.with.dots/tiny",
      "tiny\\..\\x",
      "ftp://host/ns/model",
      "x".repeat(81),
    ];
    await withDir(async (dir) => {
      for (const name of names) {
        await assert.rejects(pullModel(name, { ...OPTIONS, modelsDir: dir }), (error: Error) => {
          assert.ok(error instanceof InvalidModelNameError, `${JSON.stringify(name)}: ${error}`);
          assert.equal(error.message, "invalid model name");
          return true;
        });
      }
      assert.deepEqual(await readdir(dir), []);
    });
  });

  test("http:// names need insecure", async () => {
    await withDir(async (dir) => {
      await assert.rejects(pullModel(`http://${registry.host}/library/small:latest`, { modelsDir: dir }), {
        message: "insecure protocol http",
      });
      await pullModel(`http://${registry.host}/library/small:latest`, { ...OPTIONS, modelsDir: dir });
      assert.equal((await readdir(join(dir, "blobs"))).length, 3);
    });
  });

  test("an unknown model: pull model manifest: file does not exist", async () => {
    await withDir(async (dir) => {
      await assert.rejects(pullModel(`${registry.host}/library/nope:latest`, { ...OPTIONS, modelsDir: dir }), {
        message: "pull model manifest: file does not exist",
      });
      await assert.rejects(pullModel(`${registry.host}/library/small:nope`, { ...OPTIONS, modelsDir: dir }), {
        message: "pull model manifest: file does not exist",
      });
      assert.deepEqual(await files(dir), []);
    });
  });

  test("a manifest that is not JSON", async () => {
    await expectManifestFailure({ kind: "body", body: "not json at all" }, /^pull model manifest: invalid manifest: not JSON/);
  });

  test("a registry answering with an HTML page", async () => {
    await expectManifestFailure({ kind: "html" }, /^pull model manifest: invalid manifest: not JSON .*starts with "<!doctype html>/);
  });

  test("a manifest naming an invalid digest, or one that climbs out of blobs/", async () => {
    for (const digest of ["sha256:1234", "sha256:../../../../etc/passwd", `md5:${"a".repeat(64)}`, `sha256-${"a".repeat(64)}`]) {
      const body = JSON.stringify({ schemaVersion: 2, layers: [{ mediaType: "application/vnd.ollama.image.model", digest, size: 4 }] });
      await expectManifestFailure(
        { kind: "body", body },
        `pull model manifest: invalid manifest: layer 0 has an invalid digest ${JSON.stringify(digest)}`,
      );
    }
    const config = JSON.stringify({ schemaVersion: 2, config: { digest: "sha256:x", size: 1 }, layers: [] });
    await expectManifestFailure({ kind: "body", body: config }, /^pull model manifest: invalid manifest: config has an invalid digest/);
    const size = JSON.stringify({ schemaVersion: 2, layers: [{ digest: `sha256:${"a".repeat(64)}`, size: -5 }] });
    await expectManifestFailure({ kind: "body", body: size }, "pull model manifest: invalid manifest: layer 0 has an invalid size");
  });

  test("a 401 without a challenge", async () => {
    await expectManifestFailure(
      { kind: "status", status: 401 },
      "pull model manifest: unauthorized: access denied (no WWW-Authenticate challenge)",
    );
  });

  test("a registry that keeps failing: the status and body", async () => {
    await expectManifestFailure({ kind: "status", status: 500 }, "pull model manifest: 500: injected 500");
  });

  test("a manifest naming a blob the registry does not have", async () => {
    const missing = sha256("not in the registry");
    const body = JSON.stringify({ schemaVersion: 2, layers: [{ digest: missing, size: 19 }] });
    await withDir(async (dir) => {
      proxy.setSchedule(({ path }) => path.endsWith("/manifests/latest") ? { kind: "body", body } : undefined);
      try {
        await assert.rejects(pullModel(`${proxy.host}/library/small:latest`, { ...OPTIONS, modelsDir: dir }), {
          message: "file does not exist",
        });
      } finally {
        proxy.setSchedule(undefined);
      }
      assert.deepEqual(await files(dir), []);
    });
  });

  test("a manifest whose sizes disagree with the registry's blobs", async () => {
    const text = new TextDecoder().decode(model.manifest);
    const size = model.blobs.get(model.weights)!.length;
    const lying = text.replace(`"size":${size}`, `"size":${size + 10}`);
    await withDir(async (dir) => {
      proxy.setSchedule(({ path }) => path.endsWith("/manifests/latest") ? { kind: "body", body: lying } : undefined);
      try {
        await assert.rejects(pullModel(`${proxy.host}/library/small:latest`, { ...OPTIONS, modelsDir: dir }), {
          message: `blob ${model.weights} is ${size} bytes at the registry but ${size + 10} in the manifest`,
        });
      } finally {
        proxy.setSchedule(undefined);
      }
      assert.deepEqual(await files(dir), []);
    });
  });
});
