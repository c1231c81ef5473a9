/**
 * Loading a published-Ollama GGUF (src/compat/) against loading its llama.cpp-layout twin, same weights.
 *
 * An olmo3 pair (tests/fixtures/compat_pairs.ts scaledOlmoPair: Q4_0 matrices by default, `--type q8_0` for Q8_0;
 * GPT-2 vocabulary; the defaults are ~1B-parameter-shaped) is written once into a temp dir. Each rep, interleaved, runs two child processes of this
 * runtime: the native load of the twin (`Model.load`: libllama's mmap), and the translated load of the published file
 * (`loadModelFile`: header read and translated, then `llama_model_init_from_user` with each tensor read from the
 * file into libllama's buffers; nothing written to disk). A child reports its load time and its resident memory
 * (VmRSS after the load, VmHWM: the peak) above what it had before the load, then decodes a 128-token prompt and 16
 * tokens (where the CPU has repack kernels for the type, Q4_0 on AVX2, both routes must run them: src/llama/repack.ts).
 * Printed: medians, each as a ratio to
 * native, and the model's size; the spread of the ratios over the reps.
 *
 *   npx deno run -A bench/compat_load.ts [--embd 2048] [--layers 16] [--ff 5632] [--type q4_0|q8_0] [--reps 5] [--decode 0]
 *   npx bun run bench/compat_load.ts ...
 *
 * The box may be shared: the ratios of one run are what means something, not the absolute seconds.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadModelFile, type LoadRoute } from "../src/compat/mod.ts";
import { Batch, Llama, Model } from "../src/llama/mod.ts";
import { runtime } from "../src/runtime/mod.ts";
import { scaledOlmoPair, writeSpec } from "../tests/fixtures/compat_pairs.ts";

const { values } = parseArgs({
  options: {
    embd: { type: "string", default: "2048" },
    layers: { type: "string", default: "16" },
    ff: { type: "string", default: "5632" },
    type: { type: "string", default: "q4_0" },
    reps: { type: "string", default: "5" },
    /** 0: loads only (no prompt or token timing after them). */
    decode: { type: "string", default: "1" },
    child: { type: "string" },
    path: { type: "string" },
  },
});

/** kB fields of /proc/self/status, in bytes. */
function memory(): { rss: number; peak: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

interface Sample {
  ms: number;
  rss: number;
  peak: number;
  route: LoadRoute | "native";
  /** A 128-token prompt's decode, and one token's (the mean of 16), after the load. */
  promptMs: number;
  tokenMs: number;
}

if (values.child) {
  // one load in a fresh process, so its peak resident memory is its own
  const llama = await Llama.open();
  const before = memory();
  const started = performance.now();
  let route: Sample["route"] = "native";
  const model = values.child === "native"
    ? Model.load(llama, values.path!)
    : await loadModelFile(llama, values.path!, { cacheDir: join(dirname(values.path!), "compat"), onRoute: (r) => (route = r) });
  const ms = performance.now() - started;
  const after = memory();
  // what the route costs afterwards: a 128-token prompt, then 16 tokens one at a time
  if (values.decode === "0") {
    model.close();
    process.stdout.write(`${JSON.stringify({ ms, rss: after.rss - before.rss, peak: after.peak - before.rss, route, promptMs: NaN, tokenMs: NaN })}\n`);
    process.exit(0);
  }
  const context = model.createContext({ nCtx: 512, nBatch: 128 });
  const batch = new Batch(llama.ffi, 128, 1);
  for (let i = 0; i < 128; i++) batch.add(100 + i, i, 0, i === 127);
  let at = performance.now();
  context.decode(batch);
  const promptMs = performance.now() - at;
  at = performance.now();
  for (let i = 0; i < 16; i++) {
    batch.clear();
    batch.add(300 + i, 128 + i, 0, true);
    context.decode(batch);
  }
  const tokenMs = (performance.now() - at) / 16;
  batch.close();
  context.close();
  model.close();
  const sample: Sample = { ms, rss: after.rss - before.rss, peak: after.peak - before.rss, route, promptMs, tokenMs };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
  process.exit(0);
}

if (values.type !== "q4_0" && values.type !== "q8_0") throw new Error("--type is q4_0 or q8_0");
const dims = { embd: Number(values.embd), layers: Number(values.layers), ff: Number(values.ff) };
const matrices = values.type === "q4_0" ? "q4" as const : "q8" as const;
const reps = Number(values.reps);
const self = fileURLToPath(import.meta.url);
const command = runtime.name === "bun" ? ["run", self] : ["run", "-A", self];
function child(kind: "native" | "translated", path: string): Sample {
  const out = execFileSync(process.execPath, [...command, "--child", kind, "--path", path, "--decode", values.decode!], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"], // libllama's log goes to stderr
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

const dir = await mkdtemp(join(tmpdir(), "tollama-compat-bench-"));
try {
  const pair = await scaledOlmoPair({ ...dims, matrices });
  const twin = join(dir, "twin.gguf");
  const published = join(dir, "published.gguf");
  await writeSpec(twin, pair.llamaCpp);
  await writeSpec(published, pair.ollama);
  const size = (await stat(twin)).size;
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  console.log(`${runtime.name}: olmo3 ${JSON.stringify(dims)} ${values.type}: ${mib(size)}, ${reps} interleaved reps`);
  child("native", twin); // warm-up: both files in the page cache, the libraries read once
  child("translated", published);
  const native: Sample[] = [], translated: Sample[] = [];
  for (let rep = 0; rep < reps; rep++) {
    native.push(child("native", twin));
    translated.push(child("translated", published));
  }
  const routes = new Set(translated.map((s) => s.route));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ratios = native.map((n, i) => translated[i].ms / n.ms);
  const m = (samples: Sample[], key: "ms" | "rss" | "peak") => median(samples.map((s) => s[key]));
  console.log(`native mmap load         ${m(native, "ms").toFixed(0)} ms   RSS +${mib(m(native, "rss"))}   peak +${mib(m(native, "peak"))}`);
  console.log(
    `translated (${[...routes].join(",")})       ${m(translated, "ms").toFixed(0)} ms   RSS +${mib(m(translated, "rss"))}   peak +${
      mib(m(translated, "peak"))
    }`,
  );
  console.log(
    `time ÷ native           ${(m(translated, "ms") / m(native, "ms")).toFixed(2)}x (per rep: ${ratios.map((r) => r.toFixed(2)).join(" ")})`,
  );
  console.log(
    `peak ÷ native peak      ${(m(translated, "peak") / m(native, "peak")).toFixed(2)}x; extra peak over native ${
      ((m(translated, "peak") - m(native, "peak")) / size).toFixed(2)
    } of the model`,
  );
  const mt = (samples: Sample[], key: "promptMs" | "tokenMs") => median(samples.map((s) => s[key]));
  if (values.decode !== "0") {
    console.log(
      `after the load           128-token prompt ${mt(translated, "promptMs").toFixed(0)} ms vs ${mt(native, "promptMs").toFixed(0)} ms native (${
        (mt(translated, "promptMs") / mt(native, "promptMs")).toFixed(2)
      }x), a token ${mt(translated, "tokenMs").toFixed(1)} ms vs ${mt(native, "tokenMs").toFixed(1)} ms (${(mt(translated, "tokenMs") / mt(native, "tokenMs")).toFixed(2)}x)`,
    );
  }
  const compatFiles = readdirSync(dir).filter((name) => name !== "twin.gguf" && name !== "published.gguf");
  console.log(`written beside the model ${compatFiles.length ? compatFiles.join(", ") : "nothing"}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
