// Bad `options` against a real server in its own process (issue 19 item 1): each value that used to abort libllama,
// hang a decode on 1,000 spinning threads or overflow a 32-bit FFI argument answers 200 (clamped) or a clear 400;
// the process lives through all of them, and once the model is unloaded its thread count is back at its baseline
// and stays there while idle (no Worker, no ggml threadpool left behind).
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../src/runtime/mod.ts";
import { loadModel } from "../src/engine/mod.ts";
import { Store } from "../src/store/mod.ts";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf } from "./helpers/server.ts";
import { freePort } from "./helpers/net.ts";

const hasProc = existsSync("/proc/self/status");

/** The `Threads:` line of /proc/<pid>/status. */
function threadCount(pid: number | "self"): number {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
}

/**
 * Threads of Workers and what they started: Bun names a Worker's thread as model_host.ts names the Worker
 * (`tollama model <path>`), Deno `worker-<n>`; the ggml threadpool threads a worker starts inherit the name.
 */
function workerThreads(pid: number | "self"): number {
  let n = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (/^(tollama model|worker-\d)/.test(readFileSync(`/proc/${pid}/task/${task}/comm`, "utf8"))) n++;
    } catch { /* the thread ended meanwhile */ }
  }
  return n;
}

/** Polls until `count()` is at most `limit` (true), or `ms` passed (false). */
async function settlesTo(count: () => number, limit: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (count() <= limit) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return count() <= limit;
}

interface ServerChild {
  base: string;
  child: ChildProcess;
  output: () => string;
  exited: () => boolean;
}

async function startServerChild(home: string): Promise<ServerChild> {
  const port = await freePort();
  const script = new URL("./helpers/serve_main.ts", import.meta.url).pathname;
  const child = spawn(runtime.execPath(), runtime.name === "deno" ? ["run", "-A", script] : ["run", script], {
    env: {
      ...process.env,
      HOME: home,
      OLLAMA_HOST: `127.0.0.1:${port}`,
      OLLAMA_MODELS: join(home, "models"),
      // four sequences: a num_batch below 4 is what made libllama assert (one output row per sequence)
      OLLAMA_NUM_PARALLEL: "4",
      OLLAMA_KEEP_ALIVE: "5m",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exited = false;
  const keep = (data: Uint8Array) => {
    output = (output + new TextDecoder().decode(data)).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  child.on("exit", () => (exited = true));
  const until = Date.now() + 60_000;
  while (!output.includes("Listening on")) {
    if (exited) throw new Error(`the server exited early:\n${output}`);
    if (Date.now() > until) throw new Error(`no Listening line:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { base: `http://127.0.0.1:${port}`, child, output: () => output, exited: () => exited };
}

/** A bad (or odd) options object, as JSON text (1e400 has no JS literal that JSON.stringify writes). */
interface Case {
  options: string;
  status: 200 | 400;
  error?: RegExp;
}

const ok = (options: string): Case => ({ options, status: 200 });
const refused = (options: string, error: RegExp): Case => ({ options, status: 400, error });
const stops = JSON.stringify(Array.from({ length: 5000 }, (_, i) => `stop-${i}-never-seen`));

// Grouped so that load-time options (num_batch, num_thread, num_ctx, num_gpu, main_gpu) reload the model a few
// times, not once per case.
const CASES: Case[] = [
  // aborted the process: libllama asserts n_batch >= n_seq_max (output_reserve); 0 failed to create a context
  ok(`{"num_batch": 1}`),
  ok(`{"num_batch": 1.5}`),
  ok(`{"num_batch": 3}`),
  ok(`{"num_batch": 0}`),
  ok(`{"num_batch": -7}`),
  ok(`{"num_batch": 1e30}`),
  // 1000 threads spun on 2 cores (Bun aborted, Deno hung); ≥ 2^31 overflowed ggml's int (Bun SIGSEGV, Deno 500)
  ok(`{"num_thread": 1000}`),
  ok(`{"num_thread": 2147483648}`),
  ok(`{"num_thread": 1e300}`),
  ok(`{"num_thread": -5}`),
  ok(`{"num_ctx": -5}`),
  ok(`{"num_ctx": 0}`),
  ok(`{"num_ctx": 4294967296}`),
  ok(`{"num_ctx": 1e30, "num_batch": 1e30}`),
  ok(`{"num_gpu": 1e30, "main_gpu": -1e30}`),
  // sampling: int32 and float32 fields of libllama's sampler API
  ok(`{"top_k": 2147483648}`),
  ok(`{"top_k": -2147483649}`),
  ok(`{"top_k": 1e300}`),
  ok(`{"repeat_last_n": 2147483647, "repeat_penalty": 1.1}`),
  ok(`{"repeat_last_n": 1e30, "repeat_penalty": 1.1}`),
  ok(`{"repeat_last_n": -5, "repeat_penalty": 1.1}`),
  ok(`{"repeat_last_n": -1, "repeat_penalty": 0}`),
  ok(`{"repeat_penalty": -1, "presence_penalty": 3.4e38, "frequency_penalty": -3.4e38}`),
  ok(`{"seed": 18446744073709551616}`),
  ok(`{"seed": -5}`),
  ok(`{"seed": 1e300}`),
  ok(`{"num_keep": 1e30}`),
  ok(`{"num_keep": -1e30}`),
  ok(`{"temperature": -5, "top_p": 1e38, "min_p": -3, "typical_p": -1}`),
  ok(`{"temperature": 1e-45, "top_p": 1e-45, "min_p": 1e-45, "typical_p": 1e-45}`),
  ok(`{"draft_num_predict": 1e30}`),
  ok(`{"mirostat": 2, "mirostat_tau": 1e400, "mirostat_eta": -1e400}`),
  ok(`{"stop": ${stops}}`),
  // no float32 holds these (JSON.parse makes 1e400 Infinity; Go's decoder refuses it)
  refused(`{"temperature": 1e400}`, /option "temperature" must be of type float32/),
  refused(`{"top_p": -1e400}`, /option "top_p" must be of type float32/),
  refused(`{"repeat_penalty": 1e39}`, /option "repeat_penalty" must be of type float32/),
  refused(`{"num_thread": 1e400}`, /option "num_thread" must be of type integer/),
  refused(`{"num_batch": "512"}`, /option "num_batch" must be of type integer/),
  refused(`{"use_mmap": "yes"}`, /option "use_mmap" must be of type boolean/),
  refused(`{"stop": [1, 2]}`, /option "stop" must be of an array of strings/),
];

async function generate(base: string, options: string, endpoint = "generate"): Promise<{ status: number; body: { done?: boolean; error?: unknown } }> {
  const request = endpoint === "generate"
    ? `{"model": "tiny", "prompt": "hello there", "raw": true, "stream": false, "options": ${options}}`
    : `{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "stream": false, "options": ${options}}`;
  const res = await fetch(`${base}/api/${endpoint}`, { method: "POST", body: request });
  return { status: res.status, body: await res.json() };
}

/** Merges num_predict into an options object text, so each generation is short. */
function short(options: string): string {
  return options.replace(/^\{/, `{"num_predict": 3, `);
}

test("bad options: every one answers 200 or 400, the server lives, threads return to the baseline", {
  timeout: 300_000,
  skip: fixtureSkip("tiny-spm"),
}, async () => {
  const home = await mkdtemp(join(tmpdir(), "tollama-bad-options-"));
  let server: ServerChild | undefined;
  try {
    const store = await Store.open(join(home, "models"));
    await installGguf(store, "tiny:latest", await fixtureModel("tiny-spm"), { template: "{{ .Prompt }}" });
    server = await startServerChild(home);
    const { base } = server;
    const pid = server.child.pid!;
    const unload = async () => {
      const res = await fetch(`${base}/api/generate`, { method: "POST", body: `{"model": "tiny", "keep_alive": 0}` });
      assert.equal(res.status, 200, await res.text());
    };
    // Warm-up: the first load starts the runtime's and libllama's once-per-process threads; the baseline is after it.
    assert.equal((await generate(base, `{"num_predict": 3}`)).status, 200);
    await unload();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const baseline = hasProc ? threadCount(pid) : 0;

    const failures: string[] = [];
    for (const c of CASES) {
      const { status, body } = await generate(base, short(c.options));
      const shown = `${c.options.slice(0, 80)} → ${status} ${JSON.stringify(body).slice(0, 160)}`;
      if (server.exited()) assert.fail(`the server died on ${shown}\n${server.output().slice(-4000)}`);
      if (status !== c.status) failures.push(shown);
      else if (status === 200 && body.done !== true) failures.push(shown);
      else if (status === 400 && !(typeof body.error === "string" && c.error!.test(body.error))) failures.push(shown);
    }
    // chat reads the same options
    for (const options of [`{"num_batch": 1}`, `{"num_thread": 4096}`, `{"temperature": 1e400}`]) {
      const { status, body } = await generate(base, short(options), "chat");
      if (status !== (options.includes("1e400") ? 400 : 200)) failures.push(`chat ${options} → ${status} ${JSON.stringify(body)}`);
    }
    // and OpenAI's endpoint, whose fields become options: its own error shape
    for (const [fields, status] of [[`"seed": 18446744073709551616`, 200], [`"temperature": 1e400`, 400]] as const) {
      const res = await fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3, ${fields}}`,
      });
      const body = await res.json();
      if (res.status !== status || (status === 400 && typeof body.error?.message !== "string")) {
        failures.push(`openai ${fields} → ${res.status} ${JSON.stringify(body)}`);
      }
    }
    assert.deepEqual(failures, []);
    // a stream left mid-generation, then a request that needs the model loaded differently: the old worker frees
    // its context (and threadpool) before it is ended, whatever it was doing
    for (const numThread of [1, 2, 1]) {
      const abort = new AbortController();
      const res = await fetch(`${base}/api/generate`, {
        method: "POST",
        body: `{"model": "tiny", "prompt": "once", "raw": true, "options": {"num_predict": 100000, "num_thread": ${numThread}}}`,
        signal: abort.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.cancel().catch(() => {});
    }
    assert.equal((await generate(base, short(`{"num_thread": 3, "num_batch": 2}`))).status, 200);
    assert.equal(server.exited(), false);

    // still serving, then nothing left behind once the model is gone
    const normal = await generate(base, `{"num_predict": 3}`);
    assert.equal(normal.status, 200);
    assert.equal(normal.body.done, true);
    await unload();
    const ps = await (await fetch(`${base}/api/ps`)).json();
    assert.deepEqual(ps.models, []);
    if (hasProc) {
      const settled = await settlesTo(() => threadCount(pid), baseline, 30_000);
      assert.ok(settled, `threads ${threadCount(pid)} after unload, baseline ${baseline}`);
      assert.equal(workerThreads(pid), 0);
      // and flat while idle
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert.ok(threadCount(pid) <= baseline, `threads ${threadCount(pid)} after 2 s idle, baseline ${baseline}`);
      console.log(`bad options: ${CASES.length + 9} requests, threads ${baseline} before and ${threadCount(pid)} after`);
    }
  } finally {
    if (server && !server.exited()) {
      const gone = new Promise((resolve) => server!.child.on("exit", resolve));
      server.child.kill("SIGTERM");
      await gone;
    }
    await rm(home, { recursive: true, force: true });
  }
});

test("loadModel() aborted at any point of the load leaves no worker thread behind", {
  timeout: 120_000,
  skip: fixtureSkip("tiny-spm") || (!hasProc && "needs /proc"),
}, async () => {
  const path = await fixtureModel("tiny-spm");
  const warm = await loadModel(path, { numThread: 2 }); // once-per-process threads start here, before the baseline
  await warm.close();
  // (under `bun test` every file shares this process: count relative to what is there now)
  const workersBefore = workerThreads("self");
  const baseline = threadCount("self");
  let aborted = 0;
  for (const delay of [0, 1, 5, 20, 50, 100, -1]) {
    const controller = new AbortController();
    const loading = loadModel(path, {
      numThread: 2,
      signal: controller.signal,
      // -1: abort on the first progress report, from inside the load
      onProgress: () => delay === -1 && controller.abort(new Error("stop")),
    });
    if (delay >= 0) setTimeout(() => controller.abort(new Error("stop")), delay);
    try {
      const model = await loading;
      await model.close(); // the abort came after the load finished
    } catch (error) {
      assert.equal((error as Error).message, "stop");
      aborted++;
    }
  }
  assert.ok(aborted > 0, "no load was aborted");
  const workersLeft = () => workerThreads("self") - workersBefore;
  assert.ok(await settlesTo(workersLeft, 0, 20_000), `${workersLeft()} worker threads left`);
  assert.ok(await settlesTo(() => threadCount("self"), baseline, 20_000), `threads ${threadCount("self")}, baseline ${baseline}`);
});
