// The scheduler's memory estimate (engine/memory_estimate.ts): known shapes give the bytes worked out by hand, and
// the scheduler fits, evicts and refuses by it (a budget of a few hundred bytes, no libllama); then a real server
// under TOLLAMA_MEMORY_LIMIT evicts the idle model to make room and answers Ollama's 500 for one that cannot fit.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { parseByteSize } from "../src/config.ts";
import {
  estimateMemory,
  InsufficientMemoryError,
  kvBytesPerElement,
  type LoadSpec,
  type MemoryBudget,
  type MemoryEstimate,
  Scheduler,
} from "../src/engine/mod.ts";
import { GGML_TYPE, type GgufFile, type GgufValue } from "../src/gguf/mod.ts";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer } from "./helpers/server.ts";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { askWorkerMemory } from "../src/engine/rpc_memory.ts";
import { locateLlama, probeRpcWorker } from "../src/llama/mod.ts";
import { rpcLibraryCandidates } from "../src/llama/rpc.ts";
import { childEnv, cliCommand, REPO } from "./helpers/cli.ts";
import { freePort } from "./helpers/net.ts";

/** A header with `metadata` under `arch.` (and the general keys), F32 tensors of `shapes`, `vocab` tokens. */
function header(arch: string, metadata: Record<string, GgufValue>, shapes: Record<string, number[]>, vocab = 100): GgufFile {
  const tensors = Object.entries(shapes).map(([name, shape], i) => ({
    name,
    type: GGML_TYPE.F32,
    typeName: "F32",
    shape,
    offset: i * 1024,
    size: shape.reduce((a, b) => a * b, 4),
  }));
  const meta: Record<string, GgufValue> = { "general.architecture": arch, "tokenizer.ggml.tokens": [] };
  for (const [key, value] of Object.entries(metadata)) meta[`${arch}.${key}`] = value;
  return {
    path: "/dev/null",
    version: 3,
    alignment: 32,
    metadata: meta,
    metadataTypes: {},
    skippedArrays: { "tokenizer.ggml.tokens": vocab },
    tensors,
    tensorDataOffset: 0,
    fileSize: 0,
  };
}

const llama = header("llama", {
  block_count: 2,
  embedding_length: 64,
  "attention.head_count": 4,
  "attention.head_count_kv": 2,
  context_length: 1024,
}, {
  "token_embd.weight": [64, 100],
  "blk.0.attn_q.weight": [64, 64],
  "blk.1.attn_q.weight": [64, 64],
  "output_norm.weight": [64],
  "output.weight": [64, 100],
});

test("estimateMemory() of a llama shape: weights, KV for num_ctx × parallel, Ollama's llama graph", () => {
  const got = estimateMemory(llama, { numCtx: 512, numParallel: 2, numBatch: 512 });
  // weights: 25600 + 2 × 16384 + 256 + 25600; KV: 1024 cells × (16 + 16) × 2 KV heads × 2 bytes per layer
  assert.equal(got.weights, 84_224);
  assert.equal(got.kv, 2 * 131_072);
  // max(4·512·(1 + 4·64 + 1024·(1 + 4)), 4·512·(64 + 100))
  assert.equal(got.graph, 4 * 512 * 5377);
  assert.equal(got.projector, 0);
  assert.equal(got.total, 84_224 + 262_144 + 11_012_096);
  assert.deepEqual(got.layers, [16_384 + 131_072, 16_384 + 131_072, 256 + 25_600]);
  assert.equal(got.numCtx, 512);
});

test("estimateMemory() caps num_ctx at the trained length and sizes the graph for min(num_ctx, num_batch)", () => {
  const got = estimateMemory(llama, { numCtx: 8192, numBatch: 2048 });
  assert.equal(got.numCtx, 1024);
  assert.equal(got.kv, 2 * 1024 * 32 * 2 * 2);
  assert.equal(got.graph, 4 * 1024 * (1 + 256 + 1024 * 5));
});

test("estimateMemory() takes OLLAMA_KV_CACHE_TYPE only with flash attention, as Ollama does", () => {
  assert.deepEqual([kvBytesPerElement("f16"), kvBytesPerElement("q8_0"), kvBytesPerElement("q4_0"), kvBytesPerElement("f32")], [2, 1, 0.5, 4]);
  const f16 = estimateMemory(llama, { numCtx: 512 }).kv;
  assert.equal(estimateMemory(llama, { numCtx: 512, kvCacheType: "q8_0" }).kv, f16);
  assert.equal(estimateMemory(llama, { numCtx: 512, kvCacheType: "q8_0", flashAttention: true }).kv, f16 / 2);
  assert.equal(estimateMemory(llama, { numCtx: 512, kvCacheType: "q4_0", flashAttention: true }).kv, f16 / 4);
});

test("estimateMemory() with flash attention: the batch's logits are the graph (no context × heads scores)", () => {
  const got = estimateMemory(llama, { numCtx: 512, numParallel: 2, numBatch: 512, flashAttention: true });
  assert.equal(got.graph, 4 * 512 * (64 + 100));
  // auto: on where keys and values share a head size and the model is no embedding model (Ollama's rule)
  assert.equal(estimateMemory(llama, { numCtx: 512, flashAttention: "auto" }).graph, 4 * 512 * (64 + 100));
  const embedding = header("bert", { block_count: 1, embedding_length: 64, "attention.head_count": 4, pooling_type: 1 }, {});
  assert.equal(estimateMemory(embedding, { numCtx: 512, flashAttention: "auto", kvCacheType: "q8_0" }).kv, 512 * 32 * 4 * 2);
});

test("estimateMemory() of gemma3: five sliding-window layers in six keep parallel × window + batch cells", () => {
  const gemma3 = header("gemma3", {
    block_count: 6,
    embedding_length: 64,
    "attention.head_count": 4,
    "attention.head_count_kv": 1,
    "attention.key_length": 32,
    "attention.value_length": 32,
    "attention.sliding_window": 128,
    context_length: 32768,
  }, { "token_embd.weight": [64, 100] });
  const got = estimateMemory(gemma3, { numCtx: 4096, numParallel: 1, numBatch: 512 });
  const perCell = (32 + 32) * 1 * 2;
  assert.deepEqual(got.layers.slice(0, 6), [640, 640, 640, 640, 640, 4096].map((cells) => cells * perCell));
  // no output matrix: the tied token_embd is the output layer
  assert.equal(got.layers[6], 64 * 100 * 4);
});

test("estimateMemory() of a recurrent layer: f32 conv and SSM state per sequence; a projector's weights count", () => {
  const hybrid = header("mamba2", {
    block_count: 2,
    embedding_length: 64,
    "attention.head_count": 4,
    "attention.head_count_kv": [0, 4],
    "ssm.conv_kernel": 4,
    "ssm.inner_size": 128,
    "ssm.state_size": 16,
    "ssm.group_count": 1,
  }, { "blk.0.ssm_in.weight": [64, 8] });
  const projector = header("clip", {}, { "mm.0.weight": [64, 64] });
  const got = estimateMemory(hybrid, { numCtx: 256, numParallel: 2, projectors: [projector] });
  // (4 − 1)·(128 + 2·1·16) + 16·128 = 2528 f32 values per sequence; the attention layer 512 cells × 32 × 4 × 2
  assert.deepEqual(got.layers.slice(0, 2), [2528 * 4 * 2 + 64 * 8 * 4, 512 * 32 * 4 * 2]);
  assert.equal(got.projector, 64 * 64 * 4);
  // the default graph: head groups (4 / 4) × KV / 6
  assert.equal(got.graph, Math.floor(got.kv / 6));
  assert.equal(got.total, got.weights + got.kv + got.graph + got.projector);
});

test("estimateMemory() refuses a damaged layer count instead of sizing arrays by it", () => {
  const damaged = header("llama", { block_count: 4e9, embedding_length: 64 }, {});
  assert.throws(() => estimateMemory(damaged, { numCtx: 512 }), /llama\.block_count 4000000000 is not a layer count/);
  // a per-layer array the header read left out would read as no attention at all
  const skipped = header("lfm2", { block_count: 2, embedding_length: 64, "attention.head_count_kv": [] }, {});
  skipped.skippedArrays["lfm2.attention.head_count_kv"] = 2;
  assert.throws(() => estimateMemory(skipped, { numCtx: 512 }), /lfm2\.attention\.head_count_kv was not read/);
});

test("parseByteSize() reads TOLLAMA_MEMORY_LIMIT's forms", () => {
  assert.equal(parseByteSize("8GiB"), 8 * 2 ** 30);
  assert.equal(parseByteSize("1.5 GB"), 1.5e9);
  assert.equal(parseByteSize("512MiB"), 512 * 2 ** 20);
  assert.equal(parseByteSize("512m"), 512e6);
  assert.equal(parseByteSize("4096"), 4096);
  assert.equal(parseByteSize(""), undefined);
  assert.equal(parseByteSize("lots"), undefined);
});

// ---- the scheduler with a memory budget (fake runners, no libllama) ----

class FakeRunner {
  closed = false;
  close() {
    this.closed = true;
  }
}

const spec = (key: string): LoadSpec => ({ key, name: key, model: key, modelPath: `/blobs/${key}`, options: {} });
const sized = (total: number): MemoryEstimate => ({ weights: total, kv: 0, graph: 0, projector: 0, total, layers: [], numCtx: 0 });

function budgeted(sizes: Record<string, number>, memory: { free?: number; total: number }) {
  const loads: string[] = [];
  const budget: MemoryBudget = {
    estimate: (s) => (s.key in sizes ? Promise.resolve(sized(sizes[s.key])) : Promise.reject(new Error("no header"))),
    available: () => Promise.resolve({ free: memory.free ?? memory.total, total: memory.total }),
  };
  let clock = 0;
  const scheduler = new Scheduler<FakeRunner>({
    loadRunner: (s) => {
      loads.push(s.key);
      return Promise.resolve(new FakeRunner());
    },
    memory: budget,
    now: () => ++clock,
  });
  return { scheduler, loads, loaded: () => scheduler.list().map((s) => s.spec.key).sort() };
}

test("Scheduler loads a model beside others while the estimates fit, and reports each one's estimate", async () => {
  const { scheduler, loaded } = budgeted({ a: 400, b: 500 }, { total: 1000 });
  (await scheduler.acquire(spec("a"))).release();
  (await scheduler.acquire(spec("b"))).release();
  assert.deepEqual(loaded(), ["a", "b"]);
  assert.deepEqual(scheduler.list().map((s) => s.memory?.total).sort(), [400, 500]);
  await scheduler.close();
});

test("Scheduler evicts the idle model used longest ago when a new one does not fit", async () => {
  const { scheduler, loaded } = budgeted({ a: 400, b: 400, c: 400 }, { total: 1000 });
  const a = await scheduler.acquire(spec("a"));
  const b = await scheduler.acquire(spec("b"));
  a.release();
  b.release();
  (await scheduler.acquire(spec("a"))).release(); // a is now the more recently used
  const c = await scheduler.acquire(spec("c"));
  assert.deepEqual(loaded(), ["a", "c"]);
  assert.equal(b.runner.closed, true);
  c.release();
  await scheduler.close();
});

test("Scheduler takes the smaller of the reported free memory and the total less the loaded estimates", async () => {
  // the system still reports 1000 free (its figure lags), but a holds 400 of the 1000: b goes only once a has
  const lagging = budgeted({ a: 400, b: 700 }, { free: 1000, total: 1000 });
  (await lagging.scheduler.acquire(spec("a"))).release();
  (await lagging.scheduler.acquire(spec("b"))).release();
  assert.deepEqual(lagging.loaded(), ["b"]);
  await lagging.scheduler.close();
  // other programs hold memory: 500 reported free of 1000 is all there is
  const busy = budgeted({ a: 100, b: 450, c: 600 }, { free: 500, total: 1000 });
  (await busy.scheduler.acquire(spec("a"))).release();
  (await busy.scheduler.acquire(spec("b"))).release();
  assert.deepEqual(busy.loaded(), ["a", "b"]);
  await assert.rejects(busy.scheduler.acquire(spec("c")), /than is available \(500 B\)$/);
  await busy.scheduler.close();
});

test("Scheduler waits for a busy model to finish before evicting it", async () => {
  const { scheduler, loaded } = budgeted({ a: 600, b: 600 }, { total: 1000 });
  const a = await scheduler.acquire(spec("a"));
  let got = false;
  const b = scheduler.acquire(spec("b")).then((lease) => (got = true, lease));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(got, false);
  assert.deepEqual(loaded(), ["a"]);
  a.release();
  (await b).release();
  assert.deepEqual(loaded(), ["b"]);
  await scheduler.close();
});

test("Scheduler refuses a model that cannot fit with nothing else loaded: Ollama's message, status 500", async () => {
  const { scheduler, loads, loaded } = budgeted({ a: 300, big: 2 * 2 ** 30 }, { total: 1.5 * 2 ** 30 });
  (await scheduler.acquire(spec("a"))).release();
  await assert.rejects(scheduler.acquire(spec("big")), (error: unknown) => {
    assert.ok(error instanceof InsufficientMemoryError);
    assert.equal(error.status, 500);
    assert.equal(error.message, "model requires more system memory (2.0 GiB) than is available (1.5 GiB)");
    return true;
  });
  // the idle one went first (Ollama evicts before it knows the new one cannot fit at all); nothing was loaded
  assert.deepEqual(loaded(), []);
  assert.deepEqual(loads, ["a"]);
  // a model whose header cannot be read loads unchecked: its load reports the file
  (await scheduler.acquire(spec("unknown"))).release();
  assert.deepEqual(loaded(), ["unknown"]);
  await scheduler.close();
});

// ---- a real server under TOLLAMA_MEMORY_LIMIT ----

const skip = fixtureSkip("tiny-spm") || fixtureSkip("tiny-bpe");

/** Runs `body` with environment variables set (undefined: unset), then restores them. */
async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  set(vars);
  try {
    return await body();
  } finally {
    set(before);
  }
}

const withLimit = <T>(limit: string | undefined, body: () => Promise<T>) => withEnv({ TOLLAMA_MEMORY_LIMIT: limit }, body);

test("serve: under TOLLAMA_MEMORY_LIMIT the idle model is evicted for the next, and one too big gets Ollama's 500", {
  skip,
  timeout: 240_000,
}, async () => {
  await using server = await startTestServer();
  await installGguf(server.store, "spm:latest", await fixtureModel("tiny-spm"));
  await installGguf(server.store, "bpe:latest", await fixtureModel("tiny-bpe"));
  const generate = async (model: string) => {
    const res = await fetch(`${server.url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({ model, prompt: "Hi", raw: true, stream: false, options: { num_predict: 2, num_ctx: 512 } }),
    });
    return { status: res.status, body: await res.json() };
  };
  const ps = async () =>
    ((await (await fetch(`${server.url}/api/ps`)).json()) as { models: Array<{ name: string; size: number; size_vram: number }> })
      .models;
  const sizes: Record<string, number> = {};
  await withLimit(undefined, async () => {
    for (const model of ["spm", "bpe"]) {
      assert.equal((await generate(model)).status, 200);
    }
    for (const m of await ps()) {
      sizes[m.name] = m.size;
      assert.equal(m.size_vram, 0, "all on the CPU");
    }
  });
  assert.deepEqual(Object.keys(sizes).sort(), ["bpe:latest", "spm:latest"]);
  await fetch(`${server.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "spm", keep_alive: 0 }) });
  await fetch(`${server.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "bpe", keep_alive: 0 }) });
  const [small, large] = Object.values(sizes).sort((a, b) => a - b);
  // room for either, not both
  await withLimit(String(large + Math.floor(small / 2)), async () => {
    assert.equal((await generate("spm")).status, 200);
    assert.equal((await generate("bpe")).status, 200);
    assert.deepEqual((await ps()).map((m) => m.name), ["bpe:latest"]);
  });
  await withLimit(String(Math.floor(sizes["spm:latest"] / 2)), async () => {
    const { status, body } = await generate("spm");
    assert.equal(status, 500);
    assert.match(body.error, /^model requires more system memory \(\d+\.\d MiB\) than is available \(\d+\.\d MiB\)$/);
    assert.deepEqual(await ps(), [], "the loaded model was evicted first, and nothing loaded");
  });
});

// ---- RPC workers' memory counts (OLLAMA_RPC_SERVERS) ----

function rpcSkip(): string | false {
  if (skip) return skip;
  try {
    return rpcLibraryCandidates(locateLlama().libDir).some((p) => existsSync(p)) ? false : "libggml-rpc.so was not built at install";
  } catch (error) {
    return (error as Error).message;
  }
}

/** A `tollama rpc` worker process on a free loopback port, once it answers ggml's handshake. */
async function rpcWorker(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const port = await freePort();
  const [command, ...args] = cliCommand();
  const child = spawn(command, [...args, "rpc", "--port", String(port), "--threads", "1"], { cwd: REPO, env: childEnv(), stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  const endpoint = `127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000;;) {
    try {
      await probeRpcWorker(endpoint, 2_000);
      return { endpoint, stop };
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

test("serve: the free memory RPC workers report is what makes a model too big for this machine fit", {
  skip: rpcSkip(),
  timeout: 240_000,
}, async () => {
  const server = await startTestServer();
  await installGguf(server.store, "spm:latest", await fixtureModel("tiny-spm"));
  const workers = [await rpcWorker(), await rpcWorker()];
  try {
    // a worker answers ggml's GET_DEVICE_MEMORY for its device (its CPU: this machine's memory, on loopback)
    const reported = await askWorkerMemory(workers[0].endpoint, 10_000);
    assert.ok(reported.free > 0 && reported.total >= reported.free, JSON.stringify(reported));
    const generate = async () => {
      const res = await fetch(`${server.url}/api/generate`, {
        method: "POST",
        body: JSON.stringify({ model: "spm", prompt: "Hi", raw: true, stream: false, options: { num_predict: 2, num_ctx: 512 } }),
      });
      return { status: res.status, body: await res.json() };
    };
    // 1 MiB here: the model (~80 MiB with its KV cache and graph) does not fit on this machine alone
    await withEnv({ TOLLAMA_MEMORY_LIMIT: "1MiB", OLLAMA_RPC_SERVERS: undefined }, async () => {
      const { status, body } = await generate();
      assert.equal(status, 500);
      assert.match(body.error, /^model requires more system memory \(.+\) than is available \(1\.0 MiB\)$/);
    });
    await withEnv({ TOLLAMA_MEMORY_LIMIT: "1MiB", OLLAMA_RPC_SERVERS: workers.map((w) => w.endpoint).join(",") }, async () => {
      const { status, body } = await generate();
      assert.equal(status, 200, JSON.stringify(body));
      const ps = await (await fetch(`${server.url}/api/ps`)).json() as {
        models: Array<{ size: number; size_vram: number; devices?: Array<{ name: string; layers: number }> }>;
      };
      const [model] = ps.models;
      assert.ok(model.devices?.some((d) => d.name !== "CPU" && d.layers > 0), JSON.stringify(model.devices));
      // the part on the workers counts as off this machine, as Ollama counts a GPU's share
      assert.ok(model.size_vram > 0 && model.size_vram <= model.size, JSON.stringify(model));
    });
  } finally {
    await server[Symbol.asyncDispose]();
    await Promise.all(workers.map((w) => w.stop()));
  }
});
