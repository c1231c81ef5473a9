/**
 * Pull throughput and resume efficiency. A 1 GiB blob is served on loopback by a small Range-capable registry
 * stand-in (node:http, in a process of its own); `curl` downloads it to a file and tollama's `pullModel` pulls it
 * (manifest, ranged parts, sha256 verification, fsync, rename: all inside tollama's time). Runs alternate
 * (ABAB) and medians are compared: ratio = curl time / tollama time (goal ≥ 0.95). Then a pull in a child process
 * is killed at 50 % and resumed; the server's record of the byte ranges it sent gives the share fetched twice
 * (goal ≤ 0.02).
 *
 *   npx deno run -A bench/pull.ts [--size-mib 1024] [--reps 3] [--concurrency N] [--part-mib N]
 *   npx bun run bench/pull.ts ...
 *
 * The box is shared: expect noise between separate runs; the interleaved ratio in one run is what means something.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, randomFillSync } from "node:crypto";
import { closeSync, openSync, statSync, writeSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import process from "node:process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { pullModel } from "../src/registry/mod.ts";
import { runtime } from "../src/runtime/mod.ts";

const SELF = fileURLToPath(import.meta.url);
const SERVER = fileURLToPath(new URL("./pull_server.mjs", import.meta.url));
const REPO = "library/bench";
const { values, positionals } = parseArgs({
  args: runtime.args(),
  allowPositionals: true,
  options: {
    "size-mib": { type: "string", default: "1024" },
    reps: { type: "string", default: "3" },
    concurrency: { type: "string" },
    "part-mib": { type: "string" },
    child: { type: "boolean", default: false },
  },
});
const tuning = {
  concurrency: values.concurrency ? Number(values.concurrency) : undefined,
  partSize: values["part-mib"] ? Number(values["part-mib"]) * 2 ** 20 : undefined,
};

/** `--child <name> <modelsDir>`: a pull that reports progress on stdout, to be killed. */
async function child(name: string, dir: string): Promise<void> {
  await pullModel(name, {
    modelsDir: dir,
    insecure: true,
    ...tuning,
    progressIntervalMs: 0,
    onProgress: (p) => p.total && p.total > 1 << 20 && console.log(p.completed),
  });
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function overlap(a: Array<[number, number]>, b: Array<[number, number]>): number {
  let total = 0;
  for (const [s1, e1] of a) for (const [s2, e2] of b) total += Math.max(0, Math.min(e1, e2) - Math.max(s1, s2));
  return total;
}

async function main(): Promise<void> {
  const sizeMiB = Number(values["size-mib"]);
  const size = sizeMiB * 2 ** 20;
  const reps = Number(values.reps);
  const work = await mkdtemp(join(tmpdir(), "tollama-bench-pull-"));
  let server: ReturnType<typeof spawn> | undefined;
  try {
    // The blob: random bytes (incompressible), hashed as written.
    const blobPath = join(work, "blob");
    const hash = createHash("sha256");
    const fd = openSync(blobPath, "w");
    const chunk = new Uint8Array(16 << 20);
    for (let done = 0; done < size; done += chunk.length) {
      const piece = chunk.subarray(0, Math.min(chunk.length, size - done));
      randomFillSync(piece);
      hash.update(piece);
      writeSync(fd, piece);
    }
    closeSync(fd);
    const digest = `sha256:${hash.digest("hex")}`;
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: { mediaType: "application/vnd.docker.container.image.v1+json", digest, size },
      layers: [{ mediaType: "application/vnd.ollama.image.model", digest, size }],
    });

    const args = runtime.name === "deno" ? ["run", "-A", SELF] : ["run", SELF];
    // The server runs under node when there is one (the same server for every runtime measured), else this runtime.
    const hasNode = spawnSync("node", ["--version"]).status === 0;
    const serverArgs = [SERVER, blobPath, digest, manifest, REPO];
    server = hasNode
      ? spawn("node", serverArgs, { stdio: ["ignore", "pipe", "inherit"] })
      : spawn(runtime.execPath(), [...(runtime.name === "deno" ? ["run", "-A"] : ["run"]), ...serverArgs], {
        stdio: ["ignore", "pipe", "inherit"],
      });
    const port = await new Promise<number>((resolve, reject) => {
      server!.stdout!.once("data", (data) => resolve(Number(String(data).trim())));
      server!.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const host = `127.0.0.1:${port}`;
    const blobUrl = `${base}/v2/${REPO}/blobs/${digest}`;

    const curlOut = join(work, "curl.out");
    // CPU seconds too: on a shared box wall time swings with the neighbours, CPU per byte much less.
    const hasTime = spawnSync("/usr/bin/time", ["-f", "%U", "true"]).status === 0;
    const cpu = { curl: [] as number[], tollama: [] as number[] };
    const curl = () => {
      const started = performance.now();
      if (hasTime) {
        const run = spawnSync("/usr/bin/time", ["-f", "%U %S", "curl", "-sf", "-o", curlOut, blobUrl], { encoding: "utf8" });
        if (run.status !== 0) throw new Error(`curl failed: ${run.stderr}`);
        const [user, system] = run.stderr.trim().split(/\s+/).slice(-2).map(Number);
        cpu.curl.push(user + system);
      } else {
        execFileSync("curl", ["-sf", "-o", curlOut, blobUrl]);
      }
      const seconds = (performance.now() - started) / 1000;
      if (statSync(curlOut).size !== size) throw new Error("curl got a short file");
      return seconds;
    };
    const tollama = async () => {
      const dir = join(work, "store");
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      await pullModel(`${host}/${REPO}:latest`, { modelsDir: dir, insecure: true, ...tuning });
      const used = process.cpuUsage(cpuStart);
      cpu.tollama.push((used.user + used.system) / 1e6);
      const seconds = (performance.now() - started) / 1000;
      await rm(dir, { recursive: true, force: true });
      return seconds;
    };
    curl(); // warm the server's page cache
    await rm(curlOut, { force: true });
    const times = { curl: [] as number[], tollama: [] as number[] };
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? ["curl", "tollama"] : ["tollama", "curl"];
      for (const who of order) {
        const seconds = who === "curl" ? curl() : await tollama();
        await rm(curlOut, { force: true });
        times[who as "curl" | "tollama"].push(seconds);
        console.log(`  ${who.padEnd(8)} ${(size / 2 ** 20 / seconds).toFixed(0).padStart(6)} MiB/s  (${seconds.toFixed(2)} s)`);
      }
    }
    const curlMiBs = size / 2 ** 20 / median(times.curl);
    const tollamaMiBs = size / 2 ** 20 / median(times.tollama);

    // Resume efficiency: a child pull killed at 50 %, then resumed here.
    const dir = join(work, "resume-store");
    await fetch(`${base}/stats/reset`).then((r) => r.text());
    const pull = spawn(runtime.execPath(), [...args, "--child", `${host}/${REPO}:latest`, dir, ...(values.concurrency ? ["--concurrency", values.concurrency] : []), ...(values["part-mib"] ? ["--part-mib", values["part-mib"]] : [])], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let killedAt = 0;
    await new Promise<void>((resolve) => {
      let buffered = "";
      pull.stdout!.setEncoding("utf8");
      pull.stdout!.on("data", (data: string) => {
        buffered += data;
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          if (!killedAt && Number(line) >= size / 2) {
            killedAt = Number(line);
            pull.kill("SIGKILL");
          }
        }
      });
      pull.once("exit", () => resolve());
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const first = (await (await fetch(`${base}/stats`)).json()).served as Array<[number, number]>;
    await fetch(`${base}/stats/reset`).then((r) => r.text());
    const resumeStarted = performance.now();
    await pullModel(`${host}/${REPO}:latest`, { modelsDir: dir, insecure: true, ...tuning });
    const resumeSeconds = (performance.now() - resumeStarted) / 1000;
    const second = ((await (await fetch(`${base}/stats`)).json()).served as Array<[number, number]>).filter(([s, e]) => e - s > 1);
    const twice = overlap(first, second);

    console.log(`pull throughput (${runtime.name} ${runtime.version}, ${sizeMiB} MiB blob, loopback, median of ${reps}):`);
    console.log(`  curl      ${curlMiBs.toFixed(0)} MiB/s`);
    console.log(`  tollama   ${tollamaMiBs.toFixed(0)} MiB/s (sha256 verified, fsync'd)`);
    console.log(`  ratio     ${(tollamaMiBs / curlMiBs).toFixed(3)}  (goal >= 0.95)`);
    const perGiB = (xs: number[]) => xs.length ? (median(xs) / (size / 2 ** 30)).toFixed(2) : "n/a";
    console.log(`  cpu s/GiB curl ${perGiB(cpu.curl)}, tollama ${perGiB(cpu.tollama)} (all threads: receive, write, sha256, fsync)`);
    console.log(`  load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(" ")} on ${cpus().length} cores`);
    console.log(`resume after kill -9 at ${(killedAt / size * 100).toFixed(0)} %: re-fetched ${twice} of ${size} bytes = ${(twice / size).toFixed(4)} (goal <= 0.02); resume took ${resumeSeconds.toFixed(2)} s`);
  } finally {
    server?.kill("SIGKILL");
    await rm(work, { recursive: true, force: true });
  }
}

if (values.child) await child(positionals[0], positionals[1]);
else await main();
