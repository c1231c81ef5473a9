/**
 * Pull throughput and resume efficiency, against `curl` in the same run.
 *
 * 1. Loopback: a 1 GiB blob served on 127.0.0.1 by a small Range-capable registry stand-in (bench/pull_server.mjs,
 *    a process of its own). Contenders, interleaved (the order rotates each rep) and compared by median time:
 *    - `curl -o` of the blob (the reference: download only);
 *    - `curl -o` then `openssl dgst -sha256` (C tools doing tollama's work: download and verify; when openssl exists);
 *    - tollama's `pullModel` (manifest, ranged parts, sha256 verification, fsync, rename: all inside its time).
 *    Ratios: tollama / curl (goal ≥ 0.95) and tollama / (curl + sha256).
 * 2. A CDN-shaped link: a second blob from a server that caps each connection (as CDN edges do), curl against
 *    tollama's adaptive parallel parts.
 * 3. Resume: pulls in a child process are killed at 20, 45 and 70 % of a 300 MiB blob over a 40 MiB/s link
 *    (all connections share it) and resumed; the server's record of the byte ranges it sent gives the share fetched twice, bytes
 *    still in flight when the kill landed included (goal ≤ 0.02 at every point). `--resume-only` runs this alone.
 *
 *   npx deno run -A bench/pull.ts [--size-mib 1024] [--reps 3] [--cap-mib 64] [--capped-size-mib 256]
 *                                 [--concurrency N] [--part-mib N]
 *                                 [--resume-size-mib 300] [--resume-link-mib 40] [--resume-only]
 *   npx bun run bench/pull.ts ...
 *
 * The box is shared: expect noise between separate runs; the interleaved ratio in one run is what means something.
 */
import { spawn, spawnSync } from "node:child_process";
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
const MiB = 2 ** 20;
const { values, positionals } = parseArgs({
  args: runtime.args(),
  allowPositionals: true,
  options: {
    "size-mib": { type: "string", default: "1024" },
    reps: { type: "string", default: "3" },
    "cap-mib": { type: "string", default: "64" },
    "capped-size-mib": { type: "string", default: "256" },
    concurrency: { type: "string" },
    "part-mib": { type: "string" },
    "resume-size-mib": { type: "string", default: "300" },
    "resume-link-mib": { type: "string", default: "40" },
    "resume-only": { type: "boolean", default: false },
    child: { type: "boolean", default: false },
  },
});
const tuning = {
  concurrency: values.concurrency ? Number(values.concurrency) : undefined,
  partSize: values["part-mib"] ? Number(values["part-mib"]) * MiB : undefined,
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

/** Writes `size` random (incompressible) bytes to `path`; returns their digest. */
function writeBlob(path: string, size: number): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "w");
  const chunk = new Uint8Array(16 * MiB);
  for (let done = 0; done < size; done += chunk.length) {
    const piece = chunk.subarray(0, Math.min(chunk.length, size - done));
    randomFillSync(piece);
    hash.update(piece);
    writeSync(fd, piece);
  }
  closeSync(fd);
  return `sha256:${hash.digest("hex")}`;
}

interface Served {
  /** `host:port` */
  host: string;
  base: string;
  blobUrl: string;
  digest: string;
  size: number;
  stop(): void;
}

/**
 * Writes `size` random bytes to `blobPath` and serves them (and a manifest naming them) from a process of its own,
 * under node when there is one.
 */
async function serveRandomBlob(blobPath: string, size: number, capBytesPerSecond = 0, linkBytesPerSecond = 0): Promise<Served> {
  const digest = writeBlob(blobPath, size);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", digest, size },
    layers: [{ mediaType: "application/vnd.ollama.image.model", digest, size }],
  });
  const hasNode = spawnSync("node", ["--version"]).status === 0;
  const args = [SERVER, blobPath, digest, manifest, REPO, String(capBytesPerSecond), String(linkBytesPerSecond)];
  const server = hasNode
    ? spawn("node", args, { stdio: ["ignore", "pipe", "inherit"] })
    : spawn(runtime.execPath(), [...(runtime.name === "deno" ? ["run", "-A"] : ["run"]), ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout!.once("data", (data) => resolve(Number(String(data).trim())));
    server.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const host = `127.0.0.1:${port}`;
  const base = `http://${host}`;
  return { host, base, blobUrl: `${base}/v2/${REPO}/blobs/${digest}`, digest, size, stop: () => server.kill("SIGKILL") };
}

const hasTime = spawnSync("/usr/bin/time", ["-f", "%U", "true"]).status === 0;
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

/** Runs a shell command line; returns [wall seconds, CPU seconds or NaN, stdout]. */
function timed(command: string): [number, number, string] {
  const started = performance.now();
  const run = hasTime
    ? spawnSync("/usr/bin/time", ["-f", "%U %S", "sh", "-c", command], { encoding: "utf8" })
    : spawnSync("sh", ["-c", command], { encoding: "utf8" });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${command} failed: ${run.stderr}`);
  const cpu = hasTime ? run.stderr.trim().split(/\s+/).slice(-2).map(Number).reduce((a, b) => a + b, 0) : NaN;
  return [seconds, cpu, run.stdout];
}

type Contender = "curl" | "curl+sha256" | "tollama";

/** Where the resume runs kill the first pull, as shares of the blob. */
const KILL_AT = [0.2, 0.45, 0.7];

interface Resume {
  /** Bytes the first pull had reported when it was killed. */
  killedAt: number;
  /** Bytes the server sent to both the killed pull and the resumed one. */
  twice: number;
  seconds: number;
}

/** A child pull of `server`'s blob into `dir`, killed (-9) once it reports `fraction` of it, then resumed here. */
async function resumeAfterKill(server: Served, fraction: number, dir: string): Promise<Resume> {
  await fetch(`${server.base}/stats/reset`).then((r) => r.text());
  const args = runtime.name === "deno" ? ["run", "-A", SELF] : ["run", SELF];
  const tuningArgs = [
    ...(values.concurrency ? ["--concurrency", values.concurrency] : []),
    ...(values["part-mib"] ? ["--part-mib", values["part-mib"]] : []),
  ];
  const pull = spawn(runtime.execPath(), [...args, "--child", `${server.host}/${REPO}:latest`, dir, ...tuningArgs], {
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
        if (!killedAt && Number(line) >= server.size * fraction) {
          killedAt = Number(line);
          pull.kill("SIGKILL");
        }
      }
    });
    pull.once("exit", () => resolve());
  });
  // the server notices the closed sockets a moment later; what it sent until then counts as fetched
  await new Promise((resolve) => setTimeout(resolve, 300));
  const first = (await (await fetch(`${server.base}/stats`)).json()).served as Array<[number, number]>;
  await fetch(`${server.base}/stats/reset`).then((r) => r.text());
  const started = performance.now();
  await pullModel(`${server.host}/${REPO}:latest`, { modelsDir: dir, insecure: true, ...tuning });
  const seconds = (performance.now() - started) / 1000;
  const second = ((await (await fetch(`${server.base}/stats`)).json()).served as Array<[number, number]>)
    .filter(([s, e]) => e - s > 1);
  await rm(dir, { recursive: true, force: true });
  return { killedAt, twice: overlap(first, second), seconds };
}

function printResumes(resumes: Resume[], size: number): void {
  const link = values["resume-link-mib"];
  console.log(`resume after kill -9 (${size / MiB} MiB blob over a ${link} MiB/s link; goal <= 0.02 each):`);
  for (const r of resumes) {
    console.log(
      `  killed at ${(r.killedAt / size * 100).toFixed(0).padStart(2)} %: re-fetched ${r.twice} bytes = ` +
        `${(r.twice / size * 100).toFixed(2)} % of the blob; resume took ${r.seconds.toFixed(2)} s`,
    );
  }
}

async function main(): Promise<void> {
  const size = Number(values["size-mib"]) * MiB;
  const reps = Number(values.reps);
  const work = await mkdtemp(join(tmpdir(), "tollama-bench-pull-"));
  const servers: Served[] = [];
  try {
    const loopback = await serveRandomBlob(join(work, "blob"), size);
    servers.push(loopback);
    const curlOut = join(work, "curl.out");
    const store = join(work, "store");
    const times: Record<Contender, number[]> = { curl: [], "curl+sha256": [], tollama: [] };
    const cpu: Record<Contender, number[]> = { curl: [], "curl+sha256": [], tollama: [] };

    const runCurl = async (server: Served): Promise<[number, number]> => {
      const [seconds, used] = timed(`curl -sf -o '${curlOut}' '${server.blobUrl}'`);
      if (statSync(curlOut).size !== server.size) throw new Error("curl got a short file");
      await rm(curlOut, { force: true });
      return [seconds, used];
    };
    const runCurlVerified = async (server: Served): Promise<[number, number]> => {
      const [seconds, used, out] = timed(`curl -sf -o '${curlOut}' '${server.blobUrl}' && openssl dgst -sha256 -r '${curlOut}'`);
      if (`sha256:${out.split(" ")[0]}` !== server.digest) throw new Error(`curl + openssl got another digest: ${out}`);
      await rm(curlOut, { force: true });
      return [seconds, used];
    };
    const runTollama = async (server: Served): Promise<[number, number]> => {
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      await pullModel(`${server.host}/${REPO}:latest`, { modelsDir: store, insecure: true, ...tuning });
      const used = process.cpuUsage(cpuStart);
      const seconds = (performance.now() - started) / 1000;
      await rm(store, { recursive: true, force: true });
      return [seconds, (used.user + used.system) / 1e6];
    };
    const run = { curl: runCurl, "curl+sha256": runCurlVerified, tollama: runTollama };
    const show = (who: string, server: Served, seconds: number) =>
      console.log(`  ${who.padEnd(12)} ${(server.size / MiB / seconds).toFixed(0).padStart(6)} MiB/s  (${seconds.toFixed(2)} s)`);

    // 1. Loopback.
    await runCurl(loopback); // warms the server's page cache
    const contenders: Contender[] = hasOpenssl ? ["curl", "curl+sha256", "tollama"] : ["curl", "tollama"];
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? contenders : [...contenders].reverse();
      for (const who of order) {
        const [seconds, used] = await run[who](loopback);
        times[who].push(seconds);
        cpu[who].push(used);
        show(who, loopback, seconds);
      }
    }
    const rate = (who: Contender, bytes = size) => bytes / MiB / median(times[who]);

    // 2. A CDN-shaped link: each connection capped.
    const capMiB = Number(values["cap-mib"]);
    const cappedSize = Number(values["capped-size-mib"]) * MiB;
    const capped = await serveRandomBlob(join(work, "capped-blob"), cappedSize, capMiB * MiB);
    servers.push(capped);
    const cappedTimes: Record<"curl" | "tollama", number[]> = { curl: [], tollama: [] };
    console.log(`each connection capped at ${capMiB} MiB/s:`);
    for (let rep = 0; rep < reps; rep++) {
      for (const who of rep % 2 === 0 ? ["curl", "tollama"] as const : ["tollama", "curl"] as const) {
        const [seconds] = await run[who](capped);
        cappedTimes[who].push(seconds);
        show(who, capped, seconds);
      }
    }

    // 3. Resume efficiency: child pulls killed at 20, 45 and 70 %, each resumed here.
    const resumeSize = Number(values["resume-size-mib"]) * MiB;
    const resumeServer = await serveRandomBlob(join(work, "resume-blob"), resumeSize, 0, Number(values["resume-link-mib"]) * MiB);
    servers.push(resumeServer);
    const resumes: Resume[] = [];
    for (const fraction of KILL_AT) resumes.push(await resumeAfterKill(resumeServer, fraction, join(work, `resume-${fraction}`)));
    const perGiB = (xs: number[]) => xs.length && !xs.some(Number.isNaN) ? (median(xs) / (size / 2 ** 30)).toFixed(2) : "n/a";
    console.log(`pull throughput (${runtime.name} ${runtime.version}, ${size / MiB} MiB blob, loopback, median of ${reps}):`);
    console.log(`  curl          ${rate("curl").toFixed(0)} MiB/s  (cpu ${perGiB(cpu.curl)} s/GiB)`);
    if (hasOpenssl) {
      console.log(`  curl+sha256   ${rate("curl+sha256").toFixed(0)} MiB/s  (curl -o, then openssl dgst -sha256; cpu ${perGiB(cpu["curl+sha256"])} s/GiB)`);
    }
    console.log(`  tollama       ${rate("tollama").toFixed(0)} MiB/s  (sha256 verified, fsync'd; cpu ${perGiB(cpu.tollama)} s/GiB, all threads)`);
    console.log(`  ratio         ${(rate("tollama") / rate("curl")).toFixed(3)}  tollama / curl (goal >= 0.95)`);
    if (hasOpenssl) {
      console.log(`  ratio         ${(rate("curl+sha256") / rate("curl")).toFixed(3)}  curl+sha256 / curl (what verifying costs C tools here)`);
      console.log(`  ratio         ${(rate("tollama") / rate("curl+sha256")).toFixed(3)}  tollama / curl+sha256 (the same work)`);
    } else {
      console.log("  (openssl not found: the curl+sha256 reference was skipped)");
    }
    const cappedRate = (who: "curl" | "tollama") => cappedSize / MiB / median(cappedTimes[who]);
    console.log(`each connection capped at ${capMiB} MiB/s (${cappedSize / MiB} MiB blob, median of ${reps}):`);
    console.log(`  curl ${cappedRate("curl").toFixed(0)} MiB/s, tollama ${cappedRate("tollama").toFixed(0)} MiB/s: ratio ${(cappedRate("tollama") / cappedRate("curl")).toFixed(2)}`);
    console.log(`  load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(" ")} on ${cpus().length} cores`);
    printResumes(resumes, resumeSize);
  } finally {
    for (const server of servers) server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** `--resume-only`: part 3 alone. */
async function resumeOnly(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "tollama-bench-pull-"));
  const size = Number(values["resume-size-mib"]) * MiB;
  const server = await serveRandomBlob(join(work, "resume-blob"), size, 0, Number(values["resume-link-mib"]) * MiB);
  try {
    const resumes: Resume[] = [];
    for (const fraction of KILL_AT) resumes.push(await resumeAfterKill(server, fraction, join(work, `resume-${fraction}`)));
    console.log(`${runtime.name} ${runtime.version}`);
    printResumes(resumes, size);
  } finally {
    server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (values.child) await child(positionals[0], positionals[1]);
else if (values["resume-only"]) await resumeOnly();
else await main();
