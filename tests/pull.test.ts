/**
 * pullModel against a real registry (Debian's docker-registry), directly and through a proxy that injects faults.
 * Every pull ends with the right bytes or a clear error, and never leaves a corrupt or half-written blob.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pullModel, type PullOptions, type PullProgress } from "../src/registry/mod.ts";
import { Store } from "../src/store/mod.ts";
import { type Fault, type FaultProxy, maxOverlap, seededRandom, startFaultProxy } from "./helpers/fault_proxy.ts";
import { makeModel, seedModel, sha256, type TestModel } from "./helpers/pull_fixture.ts";
import { type RegistryHandle, registrySkip, startRegistry } from "./helpers/registry.ts";

const KiB = 1024;
/** Small parts and quick retries keep the suite fast; the logic is the same at any size. */
const TUNING: Partial<PullOptions> = {
  insecure: true,
  partSize: 256 * KiB,
  concurrency: 4,
  retryBaseMs: 5,
  // Generous, so a loaded machine does not see stalls that are not there; the stall tests set their own.
  stallTimeoutMs: 5000,
};
/** For the tests that inject stalls. */
const QUICK_STALL = { stallTimeoutMs: 400 };

async function tempDir(): Promise<string> {
  return await mkdtemp(join(tmpdir(), "tollama-pull-"));
}

/** The store holds exactly the model's blobs, byte for byte, and its manifest as the registry sent it. */
async function assertPulled(dir: string, host: string, model: TestModel): Promise<void> {
  const store = await Store.open(dir);
  for (const [digest, bytes] of model.blobs) {
    const got = new Uint8Array(await readFile(store.blobPath(digest)));
    assert.equal(sha256(got), digest, `blob ${digest} has the wrong bytes`);
    assert.equal(got.length, bytes.length);
  }
  const [namespace, name] = model.repo.split("/");
  const stored = await store.readManifest({ host, namespace, model: name, tag: model.tag });
  assert.deepEqual(stored.raw, model.manifest);
  await assertOnlyBlobs(dir);
}

/** Nothing but complete blobs: no temp files, no download state. */
async function assertOnlyBlobs(dir: string): Promise<void> {
  for (const name of await readdir(join(dir, "blobs"))) {
    assert.match(name, /^sha256-[0-9a-f]{64}$/, `unexpected file blobs/${name}`);
    const bytes = await readFile(join(dir, "blobs", name));
    assert.equal(sha256(bytes).slice(7), name.slice(7), `blobs/${name} does not hold its digest`);
  }
}

describe("pullModel", { skip: registrySkip() }, () => {
  let registry: RegistryHandle;
  let proxy: FaultProxy;
  const model = makeModel("library/tiny", "latest", 1536 * KiB + 123, 7);
  const other = makeModel("library/tiny", "v2", 700 * KiB, 8);

  before(async () => {
    registry = await startRegistry();
    await seedModel(registry, model);
    await seedModel(registry, other);
    proxy = await startFaultProxy({ upstream: registry.url });
  });
  after(async () => {
    await proxy?.close();
    await registry?.stop();
  });

  async function pullThrough(
    schedule: ((request: { blobGet: number; path: string; method: string; host: string }) => Fault | undefined) | undefined,
    extra: Partial<PullOptions> = {},
    target = model,
  ): Promise<{ dir: string; events: PullProgress[] }> {
    proxy.setSchedule(schedule);
    const dir = await tempDir();
    const events: PullProgress[] = [];
    try {
      await pullModel(`${proxy.host}/${target.repo}:${target.tag}`, {
        ...TUNING,
        modelsDir: dir,
        onProgress: (p) => events.push(p),
        ...extra,
      });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    } finally {
      proxy.setSchedule(undefined);
    }
    return { dir, events };
  }

  test("pulls into an empty store: exact bytes, exact manifest, Ollama's progress events", async () => {
    const dir = await tempDir();
    try {
      const events: PullProgress[] = [];
      await pullModel(`${registry.host}/library/tiny:latest`, { ...TUNING, modelsDir: dir, onProgress: (p) => events.push(p) });
      await assertPulled(dir, registry.host, model);
      const statuses = events.map((e) => e.status).filter((s, i, all) => s !== all[i - 1]);
      const layerStatus = (digest: string) => `pulling ${digest.slice(7, 19)}`;
      const [weights, template, config] = [...model.blobs.keys()];
      assert.deepEqual(statuses, [
        "pulling manifest",
        layerStatus(weights),
        layerStatus(template),
        layerStatus(config),
        "verifying sha256 digest",
        "writing manifest",
        "success",
      ]);
      const weightEvents = events.filter((e) => e.digest === weights);
      assert.ok(weightEvents.every((e) => e.total === model.blobs.get(weights)!.length));
      assert.equal(weightEvents.at(-1)!.completed, weightEvents.at(-1)!.total);
      for (let i = 1; i < weightEvents.length; i++) assert.ok(weightEvents[i].completed! >= weightEvents[i - 1].completed!);

      // Pulling again: every blob is a cache hit, no blob is fetched.
      const gets = proxy.stats.blobGets;
      await pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, modelsDir: dir });
      assert.equal(proxy.stats.blobGets, gets);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a tag that moved to other layers: old layers removed, shared ones kept", async () => {
    const dir = await tempDir();
    try {
      await pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, modelsDir: dir });
      await pullModel(`${proxy.host}/library/tiny:v2`, { ...TUNING, modelsDir: dir });
      // Point :latest at v2's manifest (the registry stores it under a second tag).
      const events: PullProgress[] = [];
      proxy.setSchedule(({ path, method }) =>
        method === "GET" && path.endsWith("/manifests/latest")
          ? { kind: "body", body: new TextDecoder().decode(other.manifest) }
          : undefined
      );
      await pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, modelsDir: dir, onProgress: (p) => events.push(p) });
      proxy.setSchedule(undefined);
      assert.ok(events.some((e) => e.status === "removing unused layers"));
      const blobs = (await readdir(join(dir, "blobs"))).map((n) => n.replace("-", ":")).sort();
      assert.deepEqual(blobs, [...other.blobs.keys()].sort());
    } finally {
      proxy.setSchedule(undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("OLLAMA_NOPRUNE keeps the layers a moved tag no longer uses", async () => {
    const dir = await tempDir();
    const saved = process.env.OLLAMA_NOPRUNE;
    try {
      await pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, modelsDir: dir });
      process.env.OLLAMA_NOPRUNE = "1";
      const events: PullProgress[] = [];
      proxy.setSchedule(({ path, method }) =>
        method === "GET" && path.endsWith("/manifests/latest")
          ? { kind: "body", body: new TextDecoder().decode(other.manifest) }
          : undefined
      );
      await pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, modelsDir: dir, onProgress: (p) => events.push(p) });
      assert.ok(!events.some((e) => e.status === "removing unused layers"));
      const blobs = (await readdir(join(dir, "blobs"))).map((n) => n.replace("-", ":")).sort();
      assert.deepEqual(blobs, [...new Set([...model.blobs.keys(), ...other.blobs.keys()])].sort());
    } finally {
      if (saved === undefined) delete process.env.OLLAMA_NOPRUNE;
      else process.env.OLLAMA_NOPRUNE = saved;
      proxy.setSchedule(undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  const transient: Array<[string, (n: number) => Fault | undefined]> = [
    ["a connection reset mid-body", (n) => n === 2 ? { kind: "reset", after: 40 * KiB } : undefined],
    ["a stall before the first byte", (n) => n === 2 ? { kind: "stall-before", ms: 3000 } : undefined],
    ["a stall in the middle of the body", (n) => n === 3 ? { kind: "stall-during", after: 10 * KiB, ms: 3000 } : undefined],
    ["500s", (n) => n >= 2 && n <= 4 ? { kind: "status", status: 500 } : undefined],
    ["a 503 on the direct-URL probe", (n) => n === 1 ? { kind: "status", status: 503 } : undefined],
    ["200 with the whole blob instead of 206", (n) => n >= 2 && n <= 4 ? { kind: "ignore-range" } : undefined],
    ["a body cut short with honest framing", (n) => n === 2 ? { kind: "truncate", after: 100 * KiB } : undefined],
    ["a wrong Content-Range", (n) => n === 3 ? { kind: "wrong-range", shift: 4096 } : undefined],
  ];
  for (const [what, fault] of transient) {
    for (const sink of ["thread", "worker"]) {
    test(`recovers from ${what} (${sink} writes)`, async () => {
      const before = { ...proxy.stats.faults };
      const started = Date.now();
      const { dir } = await pullThrough(({ blobGet }) => blobGet ? fault(blobGet) : undefined, {
        ...QUICK_STALL,
        workerMinBytes: sink === "worker" ? 0 : Infinity,
      });
      try {
        await assertPulled(dir, proxy.host, model);
        const applied = Object.values(proxy.stats.faults).reduce((a, b) => a + b, 0) -
          Object.values(before).reduce((a, b) => a + b, 0);
        assert.ok(applied >= 1, "the fault was injected");
        assert.ok(Date.now() - started < 2500, "stalls are cut at the stall timeout, not waited out");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
    }
  }

  test("a registry that says nothing to the manifest GET, the HEAD or the probe: retried at the stall timeout", async () => {
    for (const [what, match] of [
      ["manifest", (r: { path: string; method: string }) => r.path.includes("/manifests/")],
      ["HEAD", (r: { path: string; method: string }) => r.method === "HEAD"],
    ] as const) {
      let stalls = 0;
      const started = Date.now();
      const { dir } = await pullThrough((r) => match(r) && stalls++ === 0 ? { kind: "stall-before", ms: 3000 } : undefined, QUICK_STALL);
      try {
        await assertPulled(dir, proxy.host, model);
        assert.ok(stalls >= 2, what);
        assert.ok(Date.now() - started < 2500, `${what}: waited out the stall`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    const started = Date.now();
    const { dir } = await pullThrough(({ blobGet }) => blobGet === 1 ? { kind: "stall-before", ms: 3000 } : undefined, QUICK_STALL);
    try {
      await assertPulled(dir, proxy.host, model);
      assert.ok(Date.now() - started < 2500, "probe: waited out the stall");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a cross-host 307 (CDN) is resolved once per blob and reused for every part", async () => {
    const log = proxy.stats.log.length;
    const { dir } = await pullThrough(({ blobGet, host }) => blobGet && host.startsWith("127.0.0.1") ? { kind: "redirect" } : undefined);
    try {
      await assertPulled(dir, proxy.host, model);
      const lines = proxy.stats.log.slice(log).filter((l) => l.includes("/blobs/sha256:") && l.startsWith("GET"));
      const redirects = lines.filter((l) => l.includes("[redirect]"));
      assert.equal(redirects.length, model.blobs.size, lines.join("\n"));
      const parts = Math.ceil(model.blobs.get(model.weights)!.length / TUNING.partSize!);
      assert.ok(lines.length >= model.blobs.size * 2 + parts - 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("corrupted bytes: digest mismatch error, nothing kept, the next pull starts over and succeeds", async () => {
    const dir = await tempDir();
    try {
      proxy.setSchedule(({ blobGet }) => blobGet === 3 ? { kind: "corrupt", at: 5000 } : undefined);
      await assert.rejects(
        pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, modelsDir: dir, workerMinBytes: 0 }),
        (error: Error) => {
          assert.match(
            error.message,
            new RegExp(`^digest mismatch, file must be downloaded again: want ${model.weights}, got sha256:[0-9a-f]{64}$`),
          );
          return true;
        },
      );
      proxy.setSchedule(undefined);
      assert.deepEqual(await readdir(join(dir, "blobs")), []);
      assert.deepEqual(await readdir(join(dir, "manifests")), []);
      await pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, modelsDir: dir });
      await assertPulled(dir, proxy.host, model);
    } finally {
      proxy.setSchedule(undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a part that keeps failing: max retries exceeded, state kept, and the next pull resumes", async () => {
    const dir = await tempDir();
    try {
      proxy.setSchedule(({ blobGet, method }) => method === "GET" && blobGet >= 4 ? { kind: "status", status: 500 } : undefined);
      await assert.rejects(
        pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, modelsDir: dir, maxRetries: 2 }),
        /^Error: max retries exceeded: /,
      );
      proxy.setSchedule(undefined);
      assert.deepEqual(await readdir(join(dir, "manifests")), []);
      const left = await readdir(join(dir, "blobs"));
      assert.ok(left.some((n) => n.endsWith("-tollama-partial.json")), left.join());
      const served = proxy.stats.blobBytes;
      await pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, modelsDir: dir });
      await assertPulled(dir, proxy.host, model);
      // Parts completed before the failure are not fetched again.
      assert.ok(proxy.stats.blobBytes - served < model.blobs.get(model.weights)!.length);
    } finally {
      proxy.setSchedule(undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("seeded fault storms: every pull ends with the right bytes", { timeout: 60_000 }, async () => {
    const kinds: Array<(r: () => number) => Fault> = [
      (r) => ({ kind: "reset", after: Math.floor(r() * 200 * KiB) }),
      () => ({ kind: "stall-before", ms: 2000 }),
      (r) => ({ kind: "stall-during", after: Math.floor(r() * 100 * KiB), ms: 2000 }),
      () => ({ kind: "status", status: 502 }),
      () => ({ kind: "ignore-range" }),
      (r) => ({ kind: "truncate", after: Math.floor(r() * 200 * KiB) }),
      () => ({ kind: "wrong-range", shift: -1 }),
    ];
    for (let seed = 1; seed <= 6; seed++) {
      const random = seededRandom(seed);
      const { dir } = await pullThrough(
        ({ blobGet }) => blobGet && random() < 0.3 ? kinds[Math.floor(random() * kinds.length)](random) : undefined,
        { ...QUICK_STALL, workerMinBytes: seed % 2 ? 0 : Infinity },
      );
      try {
        await assertPulled(dir, proxy.host, model);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  test("concurrent pulls of the same model share one download", async () => {
    const dir = await tempDir();
    try {
      const log = proxy.stats.log.length;
      const name = `${proxy.host}/library/tiny:latest`;
      await Promise.all([
        pullModel(name, { ...TUNING, modelsDir: dir }),
        pullModel(name, { ...TUNING, modelsDir: dir }),
        pullModel(name, { ...TUNING, modelsDir: dir }),
      ]);
      await assertPulled(dir, proxy.host, model);
      // Each part of each blob asked for once (the one-byte direct-URL probes aside).
      // (Lines with a [fault] are late notes of stalled requests from earlier tests.)
      const gets = proxy.stats.log.slice(log).filter((l) =>
        l.startsWith("GET") && l.includes("/blobs/") && !l.includes("bytes=0-0 ") && !l.includes("[")
      );
      const parts = Math.ceil(model.blobs.get(model.weights)!.length / TUNING.partSize!) + model.blobs.size - 1;
      assert.equal(gets.length, parts, gets.join("\n"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("concurrency adapts: connections are added while each one is capped, not when the link is", async () => {
    const dir = await tempDir();
    try {
      proxy.setPerConnectionRate(384 * KiB);
      let mark = proxy.stats.spans.length;
      await pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, concurrency: undefined, modelsDir: dir });
      const capped = maxOverlap(proxy.stats.spans.slice(mark));
      assert.ok(capped >= 3, `only ${capped} connections at once`);
      await assertPulled(dir, proxy.host, model);
      await rm(dir, { recursive: true, force: true });

      // A shared cap: more connections do not help, so it stops after trying one or two more.
      proxy.setPerConnectionRate(undefined);
      proxy.setRate(1 << 20);
      mark = proxy.stats.spans.length;
      await pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, concurrency: undefined, modelsDir: dir });
      const shared = maxOverlap(proxy.stats.spans.slice(mark));
      assert.ok(shared <= 3, `${shared} connections for a shared cap`);
      await assertPulled(dir, proxy.host, model);
    } finally {
      proxy.setPerConnectionRate(undefined);
      proxy.setRate(undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("cancellation stops the pull, keeps its state, and a later pull resumes", async () => {
    const dir = await tempDir();
    try {
      proxy.setRate(2 << 20);
      const controller = new AbortController();
      const weightsStatus = `pulling ${model.weights.slice(7, 19)}`;
      const pulling = pullModel(`${proxy.host}/library/tiny:latest`, {
        ...TUNING,
        modelsDir: dir,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.status === weightsStatus && p.completed! > 512 * KiB) controller.abort(new Error("user pressed ctrl-c"));
        },
      });
      await assert.rejects(pulling, (error: Error) => {
        assert.equal(error.message, "user pressed ctrl-c");
        return true;
      });
      proxy.setRate(undefined);
      assert.deepEqual(await readdir(join(dir, "manifests")), []);
      const served = proxy.stats.blobBytes;
      await pullModel(`${proxy.host}/library/tiny:latest`, { ...TUNING, modelsDir: dir });
      await assertPulled(dir, proxy.host, model);
      const refetched = proxy.stats.blobBytes - served;
      assert.ok(refetched < model.blobs.get(model.weights)!.length - 400 * KiB, `fetched ${refetched} bytes again`);
    } finally {
      proxy.setRate(undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
