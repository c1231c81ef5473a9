/**
 * Generation and prompt-processing speed of tollama's engine (loadModel → Worker → FFI token loop) against a
 * plain C program on the same libllama (bench/native/generate.c, compiled here with cc): same model, threads,
 * threadpool use, greedy argmax, 2 threads by default. 14 pairs of runs, interleaved (ABBA); each pair gives a
 * ratio, and the summary is the trimmed mean of those ratios (the 2 lowest and 2 highest dropped) with the spread
 * of the ones kept: one rep that met another job on the shared box moves nothing.
 *
 * The engine's completion is not streamed (its text comes whole at the end, as a `stream: false` request gets it);
 * `--stream` sends each token to the main thread as it is made, as a streamed request does.
 *
 *   npx deno run -A bench/generate.ts [--reps 14] [--threads 2] [--prompt 512] [--gen 128] [--model file.gguf] [--parallel 1] [--stream]
 *   npx bun run bench/generate.ts ...
 *
 * Default model: the bench-q8 fixture (~134M params, Q8_0), generated on first use. The box is shared: expect
 * ±10–20 % noise between separate runs; only the interleaved ratios in one run mean much.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import process from "node:process";
import { loadModel } from "../src/engine/mod.ts";
import { Llama } from "../src/llama/mod.ts";
import { config } from "../src/config.ts";
import { runtime } from "../src/runtime/mod.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  args: runtime.args(),
  options: {
    reps: { type: "string", default: "14" },
    threads: { type: "string", default: "2" },
    prompt: { type: "string", default: "512" },
    gen: { type: "string", default: "128" },
    model: { type: "string" },
    parallel: { type: "string", default: "1" },
    stream: { type: "boolean", default: false },
  },
});
const reps = Number(values.reps);
const threads = Number(values.threads);
const promptTokens = Number(values.prompt);
const genTokens = Number(values.gen);
const nBatch = 512;
const nCtx = 2048;

async function modelPath(): Promise<string> {
  if (values.model) return values.model;
  const { fixtureModel } = await import("../tests/fixtures/mod.ts");
  return await fixtureModel("bench-q8");
}

function compileNative(libDir: string, out: string): void {
  const source = join(root, ".cache/llama.cpp");
  const libs = ["libllama.v0.5.0.so", "libggml.v0.5.0.so", "libggml-base.so"].map((l) => `-l:${l}`);
  execFileSync("cc", [
    "-O2",
    "-o",
    out,
    join(root, "bench/native/generate.c"),
    "-I",
    join(source, "include"),
    "-I",
    join(source, "ggml/include"),
    "-L",
    libDir,
    ...libs,
    `-Wl,-rpath,${libDir}`,
  ]);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const path = await modelPath();
const llama = await Llama.open({ libDir: config.llamaLibDir() });
const work = mkdtempSync(join(tmpdir(), "tollama-bench-"));
mkdirSync(work, { recursive: true });
const native = join(work, "generate");
compileNative(llama.libDir, native);
// One sequence by default: the same context shape as the C program (n_seq_max 1).
const model = await loadModel(path, { numCtx: nCtx, numThread: threads, numBatch: nBatch, numParallel: Number(values.parallel) });
console.log(`${runtime.name} ${runtime.version}; model ${path}; ${threads} threads; CPU ${model.info.cpuVariant}`);
console.log(`prompt ${promptTokens} tokens, ${genTokens} generated${values.stream ? " (streamed)" : ""}, ${reps} interleaved reps\n`);

/** A prompt of about `n` tokens whose first word differs per rep, so no prefix is reused from the last rep. */
async function prompt(rep: number): Promise<{ text: string; tokens: number[] }> {
  let text = `Rep${rep} ${"alpha beta gamma delta ".repeat(Math.ceil(promptTokens / 2))}`;
  let tokens = await model.tokenize(text);
  while (tokens.length > promptTokens) {
    text = text.slice(0, Math.floor(text.length * (promptTokens / tokens.length)) - 1);
    tokens = await model.tokenize(text);
  }
  return { text, tokens };
}

/** Tokens per second of wall time, and per second of process CPU time (steadier on a shared box). */
interface Run {
  pp: number;
  tg: number;
  ppCpu: number;
  tgCpu: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

/**
 * Two calls: the prompt alone (one token generated) for prompt processing, then the same prompt again (all but
 * its last token come from the prefix cache) generating `genTokens` for generation. CPU time is the whole
 * process's (worker, main thread, runtime threads): the engine's real cost.
 */
async function runEngine(text: string): Promise<Run> {
  let c0 = cpuMs();
  const a = await model.complete(text, { raw: true, options: { temperature: 0, num_predict: 1 } });
  const ppCpuMs = cpuMs() - c0;
  c0 = cpuMs();
  const b = await model.complete(text, { raw: true, stream: values.stream, options: { temperature: 0, num_predict: genTokens } });
  const tgCpuMs = cpuMs() - c0;
  const ta = a.timings, tb = b.timings;
  if (tb.promptEvalCount > 1) console.warn(`warning: the repeated prompt was not cached (${tb.promptEvalCount} tokens evaluated)`);
  return {
    pp: ta.promptEvalCount / (ta.promptEvalDuration / 1e9),
    tg: tb.evalCount / (tb.evalDuration / 1e9),
    ppCpu: ta.promptEvalCount / (ppCpuMs / 1e3),
    // the repeated prompt's last token is decoded too: evalCount decodes in all
    tgCpu: tb.evalCount / (tgCpuMs / 1e3),
  };
}

function runNative(tokens: number[], cached = 0): Run {
  const file = join(work, "tokens.txt");
  writeFileSync(file, tokens.join(" "));
  const args = [path, llama.libDir, String(threads), String(nCtx), String(nBatch), file, String(genTokens), String(cached)];
  const out = execFileSync(native, args, { encoding: "utf8" });
  const j = JSON.parse(out) as Record<string, number>;
  return {
    pp: j.prompt_tokens / (j.prompt_ms / 1e3),
    tg: j.gen_tokens / (j.gen_ms / 1e3),
    ppCpu: j.prompt_tokens / (j.prompt_cpu_ms / 1e3),
    // per CPU second the unit is decodes (one token each): gen_tokens samples took gen_tokens - 1 decodes
    tgCpu: (j.gen_tokens - 1) / (j.gen_cpu_ms / 1e3),
  };
}

const engine: Run[] = [];
const reference: Run[] = [];
/**
 * The engine keeps the previous prompt's KV and evaluates only past the shared prefix (BOS and the first word);
 * the C program decodes that prefix before its clock starts, so both time the same batch on the same cache state
 * (a kept prefix measurably changes ggml's speed for some batch shapes; that is not what this bench compares).
 */
let lastEngineTokens: number[] = [];
function cachedPrefix(tokens: number[]): number {
  let k = 0;
  while (k < tokens.length - 1 && k < lastEngineTokens.length && tokens[k] === lastEngineTokens[k]) k++;
  return k;
}
try {
  const warm = await prompt(-1);
  await runEngine(warm.text); // warm-up: page in the weights, start the threadpool
  lastEngineTokens = warm.tokens;
  runNative((await prompt(-2)).tokens);
  for (let rep = 0; rep < reps; rep++) {
    const { text, tokens } = await prompt(rep);
    const order = rep % 2 === 0 ? ["native", "engine"] : ["engine", "native"];
    const cached = cachedPrefix(tokens);
    for (const which of order) {
      if (which === "native") reference.push(runNative(tokens, cached));
      else engine.push(await runEngine(text));
    }
    lastEngineTokens = tokens;
    const e = engine[engine.length - 1], n = reference[reference.length - 1];
    console.log(
      `rep ${rep + 1}: pp engine ${e.pp.toFixed(0)} / native ${n.pp.toFixed(0)} tok/s (CPU ${e.ppCpu.toFixed(0)} / ${
        n.ppCpu.toFixed(0)
      }); tg engine ${e.tg.toFixed(1)} / native ${n.tg.toFixed(1)} tok/s (CPU ${e.tgCpu.toFixed(1)} / ${n.tgCpu.toFixed(1)})`,
    );
  }
} finally {
  await model.close();
  rmSync(work, { recursive: true, force: true });
}

/** The per-pair ratios engine / native, sorted, without the 2 (of 14; a seventh in general) at each end. */
const kept = (key: keyof Run) => {
  const ratios = engine.map((r, i) => r[key] / reference[i][key]).sort((a, b) => a - b);
  const cut = Math.floor(ratios.length / 7);
  return ratios.slice(cut, ratios.length - cut);
};
const ratio = (key: keyof Run) => {
  const xs = kept(key);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
};
const ratioSpread = (key: keyof Run) => `${kept(key)[0].toFixed(3)}–${kept(key).at(-1)!.toFixed(3)}`;
const show = (key: keyof Run) =>
  `engine ${median(engine.map((r) => r[key])).toFixed(1)} native ${median(reference.map((r) => r[key])).toFixed(1)} tok/s`;
console.log(`\nmedians: pp ${show("pp")}; tg ${show("tg")}`);
console.log(`medians per CPU second: pp ${show("ppCpu")}; tg ${show("tgCpu")}`);
console.log(
  `ratio generation (engine/native, trimmed mean of ${engine.length} pairs): ${ratio("tg").toFixed(3)} ` +
    `(kept ${ratioSpread("tg")}) wall, ${ratio("tgCpu").toFixed(3)} CPU`,
);
console.log(
  `ratio prompt processing (engine/native): ${ratio("pp").toFixed(3)} (kept ${ratioSpread("pp")}) wall, ` +
    `${ratio("ppCpu").toFixed(3)} CPU`,
);
