/**
 * What ggml RPC costs: generation and prompt tokens/s of one model run locally, split with 1 loopback worker and
 * with 2 (`tollama rpc` child processes, OLLAMA_RPC_SERVERS), as ratios to local, and the time each token spends
 * on the network path (RPC ms/token − local ms/token). Configurations are interleaved per repetition and medians
 * compared. Loopback shows the protocol's round trips, not a real network's latency; a real LAN adds its RTT
 * times the round trips per token (one per worker and graph split at least).
 *
 *   npx deno run -A bench/rpc.ts [--reps 3] [--threads 1] [--prompt 128] [--gen 64] [--model file.gguf]
 *   npx bun run bench/rpc.ts ...
 *
 * Default model: the bench-q8 fixture (~134M params, Q8_0, 12 layers). Each worker and the head compute with
 * `--threads` threads, so on a 2-core box the split runs are also starved for CPU: read the ratios with that.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { parseArgs } from "node:util";
import process from "node:process";
import { loadModel } from "../src/engine/mod.ts";
import { probeRpcWorker } from "../src/llama/mod.ts";
import { runtime } from "../src/runtime/mod.ts";
import { cliCommand, REPO } from "../tests/helpers/cli.ts";
import { freePort } from "../tests/helpers/net.ts";

const { values } = parseArgs({
  args: runtime.args(),
  options: {
    reps: { type: "string", default: "3" },
    threads: { type: "string", default: "1" },
    prompt: { type: "string", default: "128" },
    gen: { type: "string", default: "64" },
    model: { type: "string" },
  },
});
const reps = Number(values.reps);
const threads = Number(values.threads);
const promptTokens = Number(values.prompt);
const genTokens = Number(values.gen);

async function startWorker(): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await freePort();
  const [command, ...args] = cliCommand();
  const child = spawn(command, [...args, "rpc", "--port", String(port), "--threads", String(threads)], { cwd: REPO, stdio: "ignore" });
  const endpoint = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await probeRpcWorker(endpoint, 2_000);
      return { endpoint, child };
    } catch (error) {
      if (i > 150) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

interface Run {
  genPerSec: number;
  promptPerSec: number;
  msPerToken: number;
}

async function run(path: string, servers: string[]): Promise<Run> {
  if (servers.length) process.env.OLLAMA_RPC_SERVERS = servers.join(",");
  else delete process.env.OLLAMA_RPC_SERVERS;
  const model = await loadModel(path, { numCtx: 1024, numThread: threads, numParallel: 1, probe: false });
  try {
    // a prompt of exactly `promptTokens` ids (no tokenizer in the measurement), then greedy generation
    const prompt = Array.from({ length: promptTokens }, (_, i) => 100 + (i * 37) % 20_000);
    const done = await model.complete(prompt, { options: { temperature: 0, num_predict: genTokens } });
    const t = done.timings;
    return {
      genPerSec: t.evalCount / (t.evalDuration / 1e9),
      promptPerSec: t.promptEvalCount / (t.promptEvalDuration / 1e9),
      msPerToken: t.evalDuration / 1e6 / t.evalCount,
    };
  } finally {
    await model.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const path = values.model ?? await (await import("../tests/fixtures/mod.ts")).fixtureModel("bench-q8");
const workers = [await startWorker(), await startWorker()];
try {
  const configs: Array<[string, string[]]> = [
    ["local", []],
    ["1 worker", [workers[0].endpoint]],
    ["2 workers", workers.map((w) => w.endpoint)],
  ];
  const results = new Map<string, Run[]>(configs.map(([name]) => [name, []]));
  await run(path, []); // warm the page cache and the backends
  for (let rep = 0; rep < reps; rep++) {
    // ABC then CBA: drift in the box's load falls on every configuration alike
    const order = rep % 2 === 0 ? configs : [...configs].reverse();
    for (const [name, servers] of order) results.get(name)!.push(await run(path, servers));
  }
  const local = results.get("local")!;
  const base = { gen: median(local.map((r) => r.genPerSec)), prompt: median(local.map((r) => r.promptPerSec)), ms: median(local.map((r) => r.msPerToken)) };
  console.log(`model ${path}, ${promptTokens} prompt + ${genTokens} generated tokens, ${threads} thread(s) per process, ${reps} reps (medians)`);
  for (const [name] of configs) {
    const runs = results.get(name)!;
    const gen = median(runs.map((r) => r.genPerSec));
    const prompt = median(runs.map((r) => r.promptPerSec));
    const ms = median(runs.map((r) => r.msPerToken));
    const ratio = name === "local" ? "" : `  gen ×${(gen / base.gen).toFixed(2)}  prompt ×${(prompt / base.prompt).toFixed(2)}  network path +${(ms - base.ms).toFixed(2)} ms/token`;
    console.log(`${name.padEnd(10)} gen ${gen.toFixed(1)} tok/s  prompt ${prompt.toFixed(1)} tok/s  ${ms.toFixed(2)} ms/token${ratio}`);
  }
} finally {
  delete process.env.OLLAMA_RPC_SERVERS;
  for (const w of workers) w.child.kill("SIGKILL");
}
