import { test } from "node:test";
import assert from "node:assert/strict";
import { type LoadSpec, needsReload, Scheduler, ServerBusyError } from "./scheduler.ts";

class FakeRunner {
  closed = false;
  constructor(readonly spec: LoadSpec) {}
  close() {
    this.closed = true;
  }
}

function spec(key: string, options: LoadSpec["options"] = {}): LoadSpec {
  return { key, name: key, model: key, modelPath: `/blobs/${key}`, options };
}

function make(overrides: Partial<ConstructorParameters<typeof Scheduler<FakeRunner>>[0]> = {}) {
  const loads: string[] = [];
  const scheduler = new Scheduler<FakeRunner>({
    loadRunner: (s) => {
      loads.push(s.key);
      return Promise.resolve(new FakeRunner(s));
    },
    ...overrides,
  });
  return { scheduler, loads };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

test("Scheduler loads on demand and reuses a loaded runner", async () => {
  const { scheduler, loads } = make();
  const a = await scheduler.acquire(spec("a"));
  a.release();
  const b = await scheduler.acquire(spec("a"));
  assert.equal(b.runner, a.runner);
  assert.deepEqual(loads, ["a"]);
  b.release();
  await scheduler.close();
  assert.equal(a.runner.closed, true);
});

test("Scheduler unloads after the request with keep-alive 0 and keeps it with Infinity", async () => {
  const { scheduler } = make();
  const a = await scheduler.acquire(spec("a"));
  a.release(0);
  await tick();
  assert.equal(a.runner.closed, true);
  assert.equal(scheduler.list().length, 0);
  const b = await scheduler.acquire(spec("b"));
  b.release(Infinity);
  assert.equal(scheduler.list()[0].expiresAt, Infinity);
  await scheduler.close();
});

test("Scheduler expires an idle runner after its keep-alive and reports expires_at from now()", async () => {
  const { scheduler } = make({ now: () => 1_000 });
  const a = await scheduler.acquire(spec("a"));
  a.release(30);
  assert.equal(scheduler.list()[0].expiresAt, 1_030);
  await tick(80);
  assert.equal(a.runner.closed, true);
  await scheduler.close();
});

test("Scheduler evicts the idle runner with the shortest keep-alive when full", async () => {
  const { scheduler, loads } = make({ maxLoaded: () => 2 });
  const a = await scheduler.acquire(spec("a"));
  a.release(60_000);
  const b = await scheduler.acquire(spec("b"));
  b.release(10_000);
  const c = await scheduler.acquire(spec("c"));
  assert.equal(b.runner.closed, true);
  assert.equal(a.runner.closed, false);
  assert.deepEqual(loads, ["a", "b", "c"]);
  assert.deepEqual(scheduler.list().map((s) => s.spec.key).sort(), ["a", "c"]);
  c.release();
  await scheduler.close();
});

test("Scheduler waits for a busy runner to be released before evicting it", async () => {
  const { scheduler } = make({ maxLoaded: () => 1 });
  const a = await scheduler.acquire(spec("a"));
  let got = false;
  const waiting = scheduler.acquire(spec("b")).then((lease) => {
    got = true;
    return lease;
  });
  await tick(10);
  assert.equal(got, false);
  a.release();
  const b = await waiting;
  assert.equal(a.runner.closed, true);
  b.release();
  await scheduler.close();
});

test("Scheduler serves a smaller num_ctx without reload and reloads for a larger one", async () => {
  const { scheduler, loads } = make();
  const a = await scheduler.acquire(spec("a", { num_ctx: 4096 }));
  a.release();
  const b = await scheduler.acquire(spec("a", { num_ctx: 2048 }));
  assert.equal(b.runner, a.runner);
  b.release();
  const c = await scheduler.acquire(spec("a", { num_ctx: 8192 }));
  assert.notEqual(c.runner, a.runner);
  assert.equal(a.runner.closed, true);
  assert.deepEqual(loads, ["a", "a"]);
  c.release();
  await scheduler.close();
});

test("needsReload() ignores auto num_gpu and compares adapters", () => {
  assert.equal(needsReload(spec("a", { num_gpu: 10 }), spec("a", { num_gpu: -1 })), false);
  assert.equal(needsReload(spec("a", { num_gpu: 10 }), spec("a", { num_gpu: 5 })), true);
  assert.equal(needsReload({ ...spec("a"), adapters: ["x"] }, spec("a")), true);
});

test("Scheduler answers ServerBusyError beyond maxQueue", async () => {
  const { scheduler } = make({ maxQueue: () => 2, parallel: () => 1 });
  const held = await scheduler.acquire(spec("a"));
  const w1 = scheduler.acquire(spec("a"));
  const w2 = scheduler.acquire(spec("a"));
  await assert.rejects(scheduler.acquire(spec("a")), ServerBusyError);
  assert.equal(scheduler.pending, 2);
  held.release();
  (await w1).release();
  (await w2).release();
  await scheduler.close();
});

test("Scheduler limits concurrent requests per runner to parallel()", async () => {
  const { scheduler } = make({ parallel: () => 2 });
  const a = await scheduler.acquire(spec("a"));
  const b = await scheduler.acquire(spec("a"));
  let third = false;
  const c = scheduler.acquire(spec("a")).then((l) => ((third = true), l));
  await tick(5);
  assert.equal(third, false);
  a.release();
  (await c).release();
  b.release();
  await scheduler.close();
});

test("Scheduler propagates a load failure and forgets the entry", async () => {
  let fail = true;
  const scheduler = new Scheduler<FakeRunner>({
    loadRunner: (s) => fail ? Promise.reject(new Error("bad gguf")) : Promise.resolve(new FakeRunner(s)),
  });
  await assert.rejects(scheduler.acquire(spec("a")), /bad gguf/);
  assert.equal(scheduler.list().length, 0);
  fail = false;
  (await scheduler.acquire(spec("a"))).release();
  await scheduler.close();
});

test("Scheduler stops waiting when the request is aborted", async () => {
  const { scheduler } = make({ parallel: () => 1 });
  const held = await scheduler.acquire(spec("a"));
  const abort = new AbortController();
  const waiting = scheduler.acquire(spec("a"), { signal: abort.signal });
  abort.abort();
  await assert.rejects(waiting);
  assert.equal(scheduler.pending, 0);
  held.release();
  await scheduler.close();
});

test("Scheduler.unload() waits for the last request, then closes", async () => {
  const { scheduler } = make();
  const a = await scheduler.acquire(spec("a"));
  const gone = scheduler.unload("a");
  a.release(60_000);
  await gone;
  assert.equal(a.runner.closed, true);
  await scheduler.close();
});

test("Scheduler gives up a load after loadTimeoutMs and closes a runner that arrives late", async () => {
  let late: FakeRunner | undefined;
  const scheduler = new Scheduler<FakeRunner>({
    loadTimeoutMs: () => 20,
    loadRunner: (s) =>
      new Promise((resolve) => setTimeout(() => resolve(late = new FakeRunner(s)), 60)),
  });
  await assert.rejects(scheduler.acquire(spec("a")), (e: Error) => e.name === "LoadTimeoutError" && /timed out/.test(e.message));
  assert.equal(scheduler.list().length, 0);
  await tick(80);
  assert.equal(late?.closed, true);
  await scheduler.close();
});
