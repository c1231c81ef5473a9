/**
 * tollama's HTTP server against llama.cpp's own `llama-server`, whose sources (tools/server only, from the
 * llama.cpp of our release) are compiled and linked to the same prebuilt libllama/libggml tollama loads
 * (bench/native/build_llama_server.mjs, about a minute once; skipped with a message when no compiler is there):
 * a ratio against it measures the servers, not the builds. Same model (the bench-q8 fixture, ~134M Q8_0), same
 * threads, 4 slots with num_ctx each on both, greedy, fixed lengths, prompts that share no prefix between runs. Runs are interleaved (tollama and llama-server
 * alternate, ABBA) and medians compared:
 *   (a) 1 client: generation tokens/s and time to first token            goal: tollama / llama-server ≥ 0.97
 *   (b) 4 concurrent clients: aggregate generation tokens/s             goal: ≥ 1.0
 *   (c) an 8-turn chat: prompt tokens computed with the prefix cache,
 *       over the prompt tokens a cacheless server computes               goal: ≤ 0.2
 *
 *   npx deno run -A bench/serve.ts [--reps 3] [--gen 128] [--prompt 96] [--threads N] [--no-llama-server]
 *   npx bun run bench/serve.ts ...
 *
 * The box is shared (2 cores, other jobs): separate runs differ by 10–20 %; only ratios inside one run mean much.
 * With 2 threads on 2 busy cores ggml's spinning barriers make single reps collapse (×5 slower, either side);
 * `--threads 1` gives steady reps there. llama-server's own timings (its `timings.predicted_per_second`) agree
 * with the client-side figures here.
 * Random weights emit EOS only by chance: llama-server gets ignore_eos, and tollama's eval_count is checked.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { defaultThreadCount } from "../src/llama/mod.ts";
import { loadModel } from "../src/engine/mod.ts";
import { runtime } from "../src/runtime/mod.ts";
import { fixtureModel } from "../tests/fixtures/mod.ts";
import { buildLlamaServer } from "./native/build_llama_server.mjs";
import { installGguf, startTestServer } from "../tests/helpers/server.ts";

const { values } = parseArgs({
  args: runtime.args(),
  options: {
    reps: { type: "string", default: "3" },
    gen: { type: "string", default: "128" },
    prompt: { type: "string", default: "96" },
    threads: { type: "string" },
    "no-llama-server": { type: "boolean", default: false },
  },
});
const reps = Number(values.reps);
const gen = Number(values.gen);
const promptWords = Number(values.prompt);
const threads = values.threads ? Number(values.threads) : defaultThreadCount();
const PARALLEL = 4;
const NUM_CTX = 2048;
const NUM_BATCH = 512;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x: number, digits = 1) => Number.isFinite(x) ? x.toFixed(digits) : "—";

async function startLlamaServer(binary: string, model: string): Promise<{ url: string; child: ChildProcess }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const args = [
    "-m", model, "--host", "127.0.0.1", "--port", String(port),
    "-t", String(threads), "-tb", String(threads),
    "-c", String(NUM_CTX * PARALLEL), "-np", String(PARALLEL), "-cb",
    "-b", String(NUM_BATCH), "-ub", String(NUM_BATCH),
    "-ngl", "0", "--log-disable",
  ];
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d).length > 20000 && (stderr = stderr.slice(-10000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`llama-server exited (${child.exitCode ?? child.signalCode}): ${stderr.slice(-2000)}`);
    }
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error("llama-server did not come up in 60 s");
}

/** One streamed request as a client sees it. */
interface Stream {
  ttftMs: number;
  /** Generation tokens/s between the first and the last token. */
  tps: number;
  tokens: number;
  ms: number;
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
  return { ttftMs: first - t0, tps: (tokens - 1) / ((last - first) / 1e3), tokens, ms: performance.now() - t0 };
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
  return { ttftMs: first - t0, tps: (tokens - 1) / ((last - first) / 1e3), tokens, ms: performance.now() - t0 };
}

let promptSerial = 0;
/** About `promptWords` × 2 tokens, starting with a fresh tag so no server reuses a cached prefix. */
function freshPrompt(): string {
  const tag = `Run${++promptSerial}x${Math.random().toString(36).slice(2, 6)}`;
  return `${tag} ` + Array.from({ length: promptWords }, (_, i) => `w${(i * 7) % 101}`).join(" ");
}

type Client = (prompt: string) => Promise<Stream>;
/** A server under test: its client, and the CPU time (ms) its process has used so far. */
interface Side {
  client: Client;
  cpuMs: () => number;
}

/** CPU time of this process (tollama runs in it; so do the benchmark's clients, which counts against tollama). */
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};
/** CPU time of another process from /proc (clock ticks of 10 ms). */
const childCpuMs = (pid: number) => () => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

interface Round extends Stream {
  /** Generated tokens per CPU-second of the server's process (steadier than wall time on a shared box). */
  perCpu: number;
}

async function oneClient(side: Side): Promise<Round> {
  const c0 = side.cpuMs();
  const stream = await side.client(freshPrompt());
  return { ...stream, perCpu: stream.tokens / ((side.cpuMs() - c0) / 1e3) };
}

/** `PARALLEL` clients at once: aggregate tokens/s over the wall time of the whole round. */
async function fourClients(side: Side): Promise<{ aggregate: number; ttftMs: number; perCpu: number }> {
  const c0 = side.cpuMs();
  const t0 = performance.now();
  const streams = await Promise.all(Array.from({ length: PARALLEL }, () => side.client(freshPrompt())));
  const wall = (performance.now() - t0) / 1e3;
  const tokens = streams.reduce((n, s) => n + s.tokens, 0);
  return { aggregate: tokens / wall, ttftMs: median(streams.map((s) => s.ttftMs)), perCpu: tokens / ((side.cpuMs() - c0) / 1e3) };
}

/** (c): an 8-turn chat through the engine the server runs; every turn re-sends the whole history. */
async function chatPrefixRatio(path: string): Promise<{ computed: number; total: number; turns: number }> {
  const model = await loadModel(path, { numCtx: NUM_CTX, numThread: threads, numParallel: PARALLEL });
  try {
    let history = "<|im_start|>system\nYou are a helpful assistant who answers briefly.<|im_end|>\n";
    let computed = 0;
    let total = 0;
    const questions = [
      "What is the capital of France?",
      "And how many people live there?",
      "Name three museums in that city.",
      "Which one is the oldest?",
      "When was it founded?",
      "Who designed its main building?",
      "What else did that architect build?",
      "Summarise our conversation in one sentence.",
    ];
    for (const question of questions) {
      history += `<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n`;
      const r = await model.complete(history, { raw: true, options: { temperature: 0, num_predict: 32 } });
      computed += r.timings.promptEvalCount;
      total += r.promptTokens.length; // what a server without the prefix cache evaluates
      history += `${r.text}<|im_end|>\n`;
    }
    return { computed, total, turns: questions.length };
  } finally {
    await model.close();
  }
}

const path = await fixtureModel("bench-q8");
const built = values["no-llama-server"] ? ["--no-llama-server given: comparison skipped"] : await buildLlamaServer();
const skipReason = Array.isArray(built) ? built[0] : undefined;
if (skipReason) console.log(skipReason);

await using server = await startTestServer({ scheduler: { parallel: () => PARALLEL } });
await installGguf(server.store, "bench:latest", path);
const reference = skipReason ? undefined : await startLlamaServer(built as string, path);
const ours: Side = { client: (p) => tollamaStream(server.url, p), cpuMs: ownCpuMs };
const theirs: Side | undefined = reference &&
  { client: (p) => llamaStream(reference.url, p), cpuMs: childCpuMs(reference.child.pid!) };

console.log(`${runtime.name} ${runtime.version}; model ${path}; ${threads} threads; ${PARALLEL} slots × num_ctx ${NUM_CTX}`);
console.log(`prompt ~${promptWords * 2} tokens (fresh each request), ${gen} generated, ${reps} interleaved reps\n`);
try {
  // warm both (load, first-touch of the weights) before timing anything
  await oneClient(ours);
  if (theirs) await oneClient(theirs);
  type Four = { aggregate: number; ttftMs: number; perCpu: number };
  const a = { ours: [] as Round[], theirs: [] as Round[] };
  const b = { ours: [] as Four[], theirs: [] as Four[] };
  for (let rep = 0; rep < reps; rep++) {
    const order: Array<"ours" | "theirs"> = rep % 2 === 0 ? ["ours", "theirs"] : ["theirs", "ours"];
    for (const side of order) {
      const client = side === "ours" ? ours : theirs;
      if (client) a[side].push(await oneClient(client));
    }
    for (const side of [...order].reverse()) {
      const client = side === "ours" ? ours : theirs;
      if (client) b[side].push(await fourClients(client));
    }
    const last = (xs: { tps?: number; aggregate?: number }[]) => fmt(xs.at(-1)?.tps ?? xs.at(-1)?.aggregate ?? NaN);
    console.log(
      `rep ${rep + 1}: 1 client ${last(a.ours)} vs ${last(a.theirs)} tok/s; ` +
        `${PARALLEL} clients ${last(b.ours)} vs ${last(b.theirs)} tok/s`,
    );
  }
  const m = (xs: number[]) => median(xs);
  const oneOurs = m(a.ours.map((s) => s.tps));
  const oneTheirs = m(a.theirs.map((s) => s.tps));
  const ttftOurs = m(a.ours.map((s) => s.ttftMs));
  const ttftTheirs = m(a.theirs.map((s) => s.ttftMs));
  const fourOurs = m(b.ours.map((s) => s.aggregate));
  const fourTheirs = m(b.theirs.map((s) => s.aggregate));
  const cpu = {
    one: [m(a.ours.map((s) => s.perCpu)), m(a.theirs.map((s) => s.perCpu))],
    four: [m(b.ours.map((s) => s.perCpu)), m(b.theirs.map((s) => s.perCpu))],
  };
  const chat = await chatPrefixRatio(path);
  console.log("\n| | tollama | llama-server | ratio |");
  console.log("|---|---|---|---|");
  console.log(`| (a) 1 client, tok/s | ${fmt(oneOurs)} | ${fmt(oneTheirs)} | ${fmt(oneOurs / oneTheirs, 3)} |`);
  console.log(`| (a) 1 client, TTFT ms (ratio: theirs / ours) | ${fmt(ttftOurs)} | ${fmt(ttftTheirs)} | ${fmt(ttftTheirs / ttftOurs, 3)} |`);
  console.log(`| (b) ${PARALLEL} clients, aggregate tok/s | ${fmt(fourOurs)} | ${fmt(fourTheirs)} | ${fmt(fourOurs / fourTheirs, 3)} |`);
  const [c1, c2] = [cpu.one, cpu.four];
  console.log(`| (a) 1 client, tokens per CPU-second | ${fmt(c1[0])} | ${fmt(c1[1])} | ${fmt(c1[0] / c1[1], 3)} |`);
  console.log(`| (b) ${PARALLEL} clients, tokens per CPU-second | ${fmt(c2[0])} | ${fmt(c2[1])} | ${fmt(c2[0] / c2[1], 3)} |`);
  console.log(
    `| (c) ${chat.turns}-turn chat, prompt tokens computed | ${chat.computed} | ${chat.total} (no prefix cache) | ${
      fmt(chat.computed / chat.total, 3)
    } |`,
  );
  console.log(
    `\nratios: (a) ${fmt(oneOurs / oneTheirs, 3)} tok/s (goal ≥ 0.97), TTFT ${fmt(ttftTheirs / ttftOurs, 3)}; ` +
      `(b) ${fmt(fourOurs / fourTheirs, 3)} (goal ≥ 1.0); (c) ${fmt(chat.computed / chat.total, 3)} (goal ≤ 0.2)`,
  );
  if (skipReason) console.log(`(a) and (b) have no reference: ${skipReason}`);
} finally {
  reference?.child.kill();
}
