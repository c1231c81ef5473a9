/**
 * tollama's HTTP server against llama.cpp's own `llama-server`, whose sources (tools/server only, from the
 * llama.cpp of our release) are compiled and linked to the same prebuilt libllama/libggml tollama loads
 * (bench/native/build_llama_server.mjs, about a minute once; skipped with a message when no compiler is there):
 * a ratio against it measures the servers, not the builds.
 *
 * Both run as their own processes with the same model, threads (2 by default) and 4 slots: llama-server
 * `-np 4 -cb`, tollama `serve` with OLLAMA_NUM_PARALLEL=4. Requests are greedy, 64 generated tokens, each with a
 * fresh prompt (no prefix reuse). Scenarios, every one with 16 requests in all:
 *   1 client   × 16 requests in turn: generation tokens/s of a stream, and time to first token
 *   4 clients  ×  4 requests each:    aggregate tokens/s over the round's wall time
 *   8 clients  ×  2 requests each:    the same, queueing beyond OLLAMA_NUM_PARALLEL
 * `--model tinyllama` runs the TinyLlama-1.1B-shaped Q4_0 fixture (bound by memory bandwidth, not overhead) at 1
 * and 4 clients.
 *
 * Rounds are interleaved (tollama then llama-server, then the other way round) and the idle server is paused with
 * SIGSTOP while the other runs, so neither steals the 2 cores. Each pair of rounds gives a ratio; the summary prints
 * the median ratio and its spread (min–max over the pairs). TTFT is compared as tollama's minus llama-server's, ms.
 *
 *   npx deno run -A bench/serve.ts [--model bench|tinyllama] [--reps 5] [--gen 64] [--prompt 48] [--threads 2]
 *   npx bun run bench/serve.ts ...
 *
 * Random weights emit EOS only by chance: llama-server gets ignore_eos, and tollama's eval_count is checked.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runtime } from "../src/runtime/mod.ts";
import { fixtureModel } from "../tests/fixtures/mod.ts";
import { buildLlamaServer } from "./native/build_llama_server.mjs";
import { installGguf, startTestServer } from "../tests/helpers/server.ts";
import { cliCommand } from "../tests/helpers/cli.ts";
import { startServeProcess } from "../tests/helpers/large_create.ts";

const { values } = parseArgs({
  args: runtime.args(),
  options: {
    model: { type: "string", default: "bench" },
    reps: { type: "string", default: "5" },
    gen: { type: "string", default: "64" },
    prompt: { type: "string", default: "48" },
    threads: { type: "string", default: "2" },
    requests: { type: "string", default: "16" },
    "no-llama-server": { type: "boolean", default: false },
  },
});
if (values.model !== "bench" && values.model !== "tinyllama") throw new Error("--model is bench or tinyllama");
const tiny = values.model === "tinyllama";
const reps = Number(values.reps);
const gen = Number(values.gen);
const promptWords = Number(values.prompt);
const threads = Number(values.threads);
const totalRequests = Number(values.requests);
const PARALLEL = 4;
const NUM_CTX = 2048;
const NUM_BATCH = 512;
const scenarios = tiny ? [1, 4] : [1, 4, 8];

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => {
  const s = sorted(xs);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x: number, digits = 1) => Number.isFinite(x) ? x.toFixed(digits) : "—";
const spread = (xs: number[], digits: number) => `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;

async function startLlamaServer(binary: string, model: string): Promise<{ url: string; child: ChildProcess }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const args = [
    "-m", model, "--host", "127.0.0.1", "--port", String(port),
    "-t", String(threads), "-tb", String(threads),
    "-c", String(NUM_CTX * PARALLEL), "-np", String(PARALLEL), "-cb",
    "-b", String(NUM_BATCH), "-ub", String(NUM_BATCH),
    "-ngl", "0", "--log-disable",
  ];
  // ggml looks for its CPU backends (libggml-cpu-<variant>.so) beside the executable and in the working directory:
  // run it in lib/, where tollama loads the same variant from
  const lib = join(dirname(fileURLToPath(import.meta.url)), "..", "lib");
  const child = spawn(binary, args, { cwd: lib, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d).length > 20000 && (stderr = stderr.slice(-10000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`llama-server exited (${child.exitCode ?? child.signalCode}): ${stderr.slice(-2000)}`);
    }
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error("llama-server did not come up in 120 s");
}

/** One streamed request as a client sees it. */
interface Stream {
  ttftMs: number;
  /** Generation tokens/s between the first and the last token. */
  tps: number;
  tokens: number;
}

/** Reads NDJSON (tollama) or SSE `data:` lines (llama-server), calling `onValue` per JSON value. */
async function readLines(response: Response, onValue: (value: Record<string, unknown>) => void): Promise<void> {
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      const json = line.startsWith("data:") ? line.slice(5).trim() : line;
      if (json && json !== "[DONE]") onValue(JSON.parse(json));
    }
  }
}

async function tollamaStream(url: string, prompt: string): Promise<Stream> {
  const t0 = performance.now();
  let first = NaN;
  let last = NaN;
  let tokens = 0;
  const response = await fetch(`${url}/api/generate`, {
    method: "POST",
    headers: { "content-type": "application/json", connection: "close" },
    body: JSON.stringify({
      model: "bench",
      prompt,
      raw: true,
      stream: true,
      keep_alive: -1,
      options: { temperature: 0, num_predict: gen, num_ctx: NUM_CTX, num_thread: threads, num_batch: NUM_BATCH },
    }),
  });
  await readLines(response, (v) => {
    if (v.error) throw new Error(String(v.error));
    if (v.response) {
      last = performance.now();
      if (Number.isNaN(first)) first = last;
    }
    if (v.done) tokens = Number(v.eval_count);
  });
  if (tokens !== gen) console.warn(`warning: tollama generated ${tokens} tokens, not ${gen} (EOS?)`);
  return { ttftMs: first - t0, tps: (tokens - 1) / ((last - first) / 1e3), tokens };
}

async function llamaStream(url: string, prompt: string): Promise<Stream> {
  const t0 = performance.now();
  let first = NaN;
  let last = NaN;
  let tokens = 0;
  const response = await fetch(`${url}/completion`, {
    method: "POST",
    // Bun's pooled connections meet llama-server's closed keep-alive sockets (ECONNRESET): a fresh one each time,
    // for both servers alike
    headers: { "content-type": "application/json", connection: "close" },
    body: JSON.stringify({ prompt, n_predict: gen, temperature: 0, ignore_eos: true, stream: true, cache_prompt: true }),
  });
  await readLines(response, (v) => {
    if (typeof v.content === "string" && v.content) {
      last = performance.now();
      if (Number.isNaN(first)) first = last;
    }
    if (v.stop) tokens = Number((v.timings as Record<string, number> | undefined)?.predicted_n ?? v.tokens_predicted ?? gen);
  });
  return { ttftMs: first - t0, tps: (tokens - 1) / ((last - first) / 1e3), tokens };
}

let promptSerial = 0;
/** About `promptWords` × 2 tokens, starting with a fresh tag so no server reuses a cached prefix. */
function freshPrompt(): string {
  const tag = `Run${++promptSerial}x${Math.random().toString(36).slice(2, 6)}`;
  return `${tag} ` + Array.from({ length: promptWords }, (_, i) => `w${(i * 7) % 101}`).join(" ");
}

/** A server under test: its client and its process (paused while the other side runs). */
interface Side {
  name: string;
  client: (prompt: string) => Promise<Stream>;
  pid: number;
}

/** CPU time of a process from /proc (clock ticks of 10 ms). */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

interface Round {
  /** Generated tokens over the round's wall time. */
  aggregate: number;
  /** Median over the round's streams. */
  tps: number;
  ttftMs: number;
  /** Generated tokens per CPU-second of the server's process. */
  perCpu: number;
}

/** `clients` clients at once, each sending its share of the requests in turn. */
async function round(side: Side, clients: number): Promise<Round> {
  const c0 = cpuMs(side.pid);
  const t0 = performance.now();
  const per = Math.max(1, Math.round(totalRequests / clients));
  const streams = (await Promise.all(Array.from({ length: clients }, async () => {
    const mine: Stream[] = [];
    for (let i = 0; i < per; i++) mine.push(await side.client(freshPrompt()));
    return mine;
  }))).flat();
  const wall = (performance.now() - t0) / 1e3;
  const tokens = streams.reduce((n, s) => n + s.tokens, 0);
  return {
    aggregate: tokens / wall,
    tps: median(streams.map((s) => s.tps)),
    ttftMs: median(streams.map((s) => s.ttftMs)),
    perCpu: tokens / ((cpuMs(side.pid) - c0) / 1e3),
  };
}

const signal = (pid: number, sig: "SIGSTOP" | "SIGCONT") => {
  try {
    process.kill(pid, sig);
  } catch { /* already gone */ }
};

const path = await fixtureModel(tiny ? "tinyllama-q4" : "bench-q8");
const built = values["no-llama-server"] ? ["--no-llama-server given: comparison skipped"] : await buildLlamaServer();
const skipReason = Array.isArray(built) ? built[0] : undefined;
if (skipReason) console.log(skipReason);

// the store is written in-process; `tollama serve` runs as its own process over it, as llama-server does
await using store = await startTestServer();
await installGguf(store.store, "bench:latest", path);
await using served = await startServeProcess(cliCommand(), {
  env: { OLLAMA_MODELS: store.dir, OLLAMA_NUM_PARALLEL: String(PARALLEL), OLLAMA_KEEP_ALIVE: "-1" },
});
const reference = skipReason ? undefined : await startLlamaServer(built as string, path);
const ours: Side = { name: "tollama", client: (p) => tollamaStream(`http://${served.host}`, p), pid: served.pid };
const theirs: Side | undefined = reference &&
  { name: "llama-server", client: (p) => llamaStream(reference.url, p), pid: reference.child.pid! };
const sides = [ours, ...(theirs ? [theirs] : [])];

console.log(
  `${runtime.name} ${runtime.version}; model ${path}; ${threads} threads; ${PARALLEL} slots × num_ctx ${NUM_CTX}`,
);
console.log(
  `prompt ~${promptWords * 2} tokens (fresh each request), ${gen} generated, ${totalRequests} requests a round, ` +
    `${reps} interleaved reps, the idle server SIGSTOPped\n`,
);
/** Runs `fn` with only `side` running. */
async function alone<T>(side: Side, fn: () => Promise<T>): Promise<T> {
  for (const other of sides) signal(other.pid, other === side ? "SIGCONT" : "SIGSTOP");
  try {
    return await fn();
  } finally {
    for (const other of sides) signal(other.pid, "SIGCONT");
  }
}
try {
  // warm both (load, first touch of the weights, every slot) before timing anything
  for (const side of sides) await alone(side, () => round(side, PARALLEL));
  const results = new Map<number, { ours: Round[]; theirs: Round[] }>(scenarios.map((c) => [c, { ours: [], theirs: [] }]));
  for (let rep = 0; rep < reps; rep++) {
    const line: string[] = [];
    for (const [i, clients] of scenarios.entries()) {
      const order = (rep + i) % 2 === 0 ? sides : [...sides].reverse();
      const r = results.get(clients)!;
      for (const side of order) (side === ours ? r.ours : r.theirs).push(await alone(side, () => round(side, clients)));
      const key = clients === 1 ? "tps" : "aggregate";
      line.push(`${clients} client${clients > 1 ? "s" : ""} ${fmt(r.ours.at(-1)![key])} vs ${fmt(r.theirs.at(-1)?.[key] ?? NaN)}`);
    }
    console.log(`rep ${rep + 1}: ${line.join("; ")} tok/s`);
  }

  console.log("\n| clients | tollama tok/s | llama-server tok/s | ratio (median, min–max) | TTFT ms tollama / llama-server | TTFT difference ms (median, min–max) | tokens per CPU-s ratio |");
  console.log("|---|---|---|---|---|---|---|");
  const summary: string[] = [];
  for (const clients of scenarios) {
    const { ours: o, theirs: t } = results.get(clients)!;
    // one client: a stream's generation rate; more: the aggregate over the round
    const key = clients === 1 ? "tps" : "aggregate";
    const ratios = o.map((r, i) => r[key] / (t[i]?.[key] ?? NaN));
    const ttftDiff = o.map((r, i) => r.ttftMs - (t[i]?.ttftMs ?? NaN));
    const cpuRatio = o.map((r, i) => r.perCpu / (t[i]?.perCpu ?? NaN));
    console.log(
      `| ${clients} | ${fmt(median(o.map((r) => r[key])))} | ${fmt(median(t.map((r) => r[key])))} | ` +
        `${fmt(median(ratios), 3)} (${spread(ratios, 3)}) | ${fmt(median(o.map((r) => r.ttftMs)))} / ` +
        `${fmt(median(t.map((r) => r.ttftMs)))} | ${fmt(median(ttftDiff))} (${spread(ttftDiff, 1)}) | ` +
        `${fmt(median(cpuRatio), 3)} |`,
    );
    summary.push(`${clients}: ${fmt(median(ratios), 3)} (${spread(ratios, 3)}), TTFT ${fmt(median(ttftDiff))} ms`);
  }
  console.log(`\n${runtime.name} ${values.model}: tollama ÷ llama-server by clients — ${summary.join("; ")}`);
  console.log("goals: ≥ 1.0 at 1 client with TTFT ≤ +5 ms; ≥ 1.05 at 4 and 8 clients");
  if (skipReason) console.log(`no reference: ${skipReason}`);
} finally {
  for (const side of sides) signal(side.pid, "SIGCONT");
  reference?.child.kill();
}
