/**
 * `tollama create` of a local GGUF, end to end, against `cp` + `sha256sum` of the same file in the same run.
 *
 * A GGUF with a real header and `--size-mib` of tensor data (tests/helpers/big_gguf.ts, tollama's own writer) is
 * imported with `FROM ./big.gguf` by the real CLI against a real `serve`, each its own process, three ways:
 * Deno (server and CLI under Deno), Bun (both under Bun), and the single executable (`scripts/compile.mjs`, built
 * into a temp dir unless `--binary` names one). A create's time is the CLI process's wall time: hashing the file,
 * HEAD + POST /api/blobs (the server hashes while it writes, then fsyncs), and /api/create. Between reps the model
 * and its blob are removed, so every rep uploads. The reference is `cp FILE COPY && sha256sum FILE` (one copy, one
 * hash; create does a copy and two hashes). The contenders run interleaved (the order rotates each rep); medians.
 * Ratio = reference / create time (goal ≥ 0.6). Also printed: each server's peak RSS growth over the run.
 *
 *   npx deno run -A bench/create.ts [--size-mib 1024] [--reps 3] [--binary dist/tollama] [--only deno,bun,binary]
 *   npx bun run bench/create.ts ...
 *
 * The box may be shared: the interleaved ratio of one run is what means something, not the absolute seconds.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { runtime } from "../src/runtime/mod.ts";
import { REPO } from "../tests/helpers/cli.ts";
import { freePort } from "../tests/helpers/net.ts";
import { writeBigGguf } from "../tests/helpers/big_gguf.ts";

const { values } = parseArgs({
  args: runtime.args(),
  options: {
    "size-mib": { type: "string", default: "1024" },
    reps: { type: "string", default: "3" },
    binary: { type: "string" },
    only: { type: "string", default: "deno,bun,binary" },
  },
});
const MiB = 2 ** 20;
const reps = Number(values.reps);
const DENO = join(REPO, "node_modules/.bin/deno");
const BUN = join(REPO, "node_modules/.bin/bun");

interface Contender {
  name: string;
  /** argv that runs the tollama CLI (append `serve` or `create …`). */
  command: string[];
  server?: { child: ChildProcess; host: string; models: string; rssBefore: number; exited: Promise<void> };
  times: number[];
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** VmHWM (peak resident set) of a process in bytes, or NaN off Linux. */
function peakRss(pid: number): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return kb ? Number(kb[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function startServer(c: Contender, dir: string): Promise<void> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const models = join(dir, `models-${c.name}`);
  const env = { ...process.env, OLLAMA_HOST: host, OLLAMA_MODELS: models };
  const [program, ...args] = c.command;
  const child = spawn(program, [...args, "serve"], { cwd: dir, env, stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (let i = 0;; i++) {
    try {
      if ((await fetch(`http://${host}/api/version`)).ok) break;
    } catch { /* not up yet */ }
    if (i > 600) throw new Error(`${c.name} serve did not start`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  c.server = { child, host, models, rssBefore: peakRss(child.pid!), exited };
}

/** One create through the CLI; returns its wall seconds. Leaves no model and no blob behind. */
function create(c: Contender, dir: string, modelfile: string): number {
  const [program, ...args] = c.command;
  const env = { ...process.env, OLLAMA_HOST: c.server!.host };
  const started = performance.now();
  const run = spawnSync(program, [...args, "create", "big", "-f", modelfile], { cwd: dir, env, encoding: "utf8" });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0 || !run.stderr.includes("success")) throw new Error(`${c.name} create failed: ${run.stderr}`);
  return seconds;
}

async function removeModel(c: Contender): Promise<void> {
  const response = await fetch(`http://${c.server!.host}/api/delete`, { method: "DELETE", body: JSON.stringify({ model: "big" }) });
  await response.body?.cancel();
  const blobs = join(c.server!.models, "blobs");
  for (const name of await readdir(blobs)) await rm(join(blobs, name), { force: true });
}

function reference(file: string, copy: string): number {
  const started = performance.now();
  execFileSync("sh", ["-c", `cp "$1" "$2" && sha256sum "$1" > /dev/null`, "sh", file, copy]);
  const seconds = (performance.now() - started) / 1000;
  rmSync(copy, { force: true });
  return seconds;
}

const dir = await mkdtemp(join(tmpdir(), "tollama-bench-create-"));
const contenders: Contender[] = [];
try {
  const only = new Set(values.only!.split(","));
  if (only.has("deno")) {
    contenders.push({ name: "deno", command: [DENO, "run", "-A", "--config", join(REPO, "deno.json"), join(REPO, "mod.ts")], times: [] });
  }
  if (only.has("bun")) contenders.push({ name: "bun", command: [BUN, "run", join(REPO, "mod.ts")], times: [] });
  if (only.has("binary")) {
    let binary = values.binary;
    if (!binary) {
      binary = join(dir, "tollama");
      console.log("building the single executable (scripts/compile.mjs)...");
      execFileSync("node", [join(REPO, "scripts/compile.mjs"), binary], { cwd: REPO, stdio: ["ignore", "ignore", "inherit"] });
    }
    contenders.push({ name: "binary", command: [binary], times: [] });
  }

  const size = Number(values["size-mib"]) * MiB;
  const file = await writeBigGguf(join(dir, "big.gguf"), size);
  const modelfile = join(dir, "Modelfile");
  writeFileSync(modelfile, "FROM ./big.gguf\n");
  for (const c of contenders) await startServer(c, dir);

  const refTimes: number[] = [];
  const runners: Array<{ name: string; run: () => Promise<void> }> = [
    { name: "cp + sha256sum", run: () => Promise.resolve(void refTimes.push(reference(file, join(dir, "copy.bin")))) },
    ...contenders.map((c) => ({
      name: c.name,
      run: async () => {
        c.times.push(create(c, dir, modelfile));
        await removeModel(c);
      },
    })),
  ];
  // Warm-up (page cache, each runtime's module cache, the binary's library extraction): not timed.
  reference(file, join(dir, "copy.bin"));
  for (const c of contenders) {
    create(c, dir, modelfile);
    await removeModel(c);
  }
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < runners.length; i++) await runners[(i + rep) % runners.length].run();
  }

  const ref = median(refTimes);
  const mb = (seconds: number) => `${(size / MiB / seconds).toFixed(0)} MiB/s`;
  console.log(
    `create of a ${(size / MiB).toFixed(0)} MiB GGUF, median of ${reps} (interleaved); ${cpus().length} CPUs, ` +
      `load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`,
  );
  console.log(`  cp + sha256sum   ${ref.toFixed(2)} s  ${mb(ref)}   [${refTimes.map((t) => t.toFixed(2)).join(" ")}]`);
  for (const c of contenders) {
    const t = median(c.times);
    const growth = (peakRss(c.server!.child.pid!) - c.server!.rssBefore) / MiB;
    console.log(
      `  ${c.name.padEnd(16)} ${t.toFixed(2)} s  ${mb(t)}   ratio ${(ref / t).toFixed(2)} (goal ≥ 0.6)` +
        `   server peak RSS +${growth.toFixed(0)} MiB   [${c.times.map((x) => x.toFixed(2)).join(" ")}]`,
    );
  }
} finally {
  for (const c of contenders) {
    if (!c.server) continue;
    c.server.child.kill("SIGTERM");
    await c.server.exited;
  }
  await rm(dir, { recursive: true, force: true });
}
