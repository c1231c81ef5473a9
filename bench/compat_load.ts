/**
 * Loading a published-Ollama GGUF (src/compat/) against loading its llama.cpp-layout twin, same weights.
 *
 * An olmo3 pair (tests/fixtures/compat_pairs.ts scaledOlmoPair: Q8_0 matrices, GPT-2 vocabulary) is written once
 * into a temp dir. Each rep, interleaved: the native load of the twin (libllama mmap); the first load of the
 * published file (header read, translation written beside it, then the same mmap load); and a later load (header
 * read, cached translation found, mmap load). Times are `Model.load` in this process, medians. Printed: each
 * time ÷ native, and the bytes the translation puts on disk.
 *
 *   npx deno run -A bench/compat_load.ts [--embd 2048] [--layers 16] [--ff 5632] [--reps 3]
 *   npx bun run bench/compat_load.ts ...
 *
 * The box may be shared: the ratios of one run are what means something, not the absolute seconds.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compatModelPath } from "../src/compat/mod.ts";
import { Llama, Model } from "../src/llama/mod.ts";
import { scaledOlmoPair, writeSpec } from "../tests/fixtures/compat_pairs.ts";

const { values } = parseArgs({
  options: {
    embd: { type: "string", default: "2048" },
    layers: { type: "string", default: "16" },
    ff: { type: "string", default: "5632" },
    reps: { type: "string", default: "3" },
  },
});
const dims = { embd: Number(values.embd), layers: Number(values.layers), ff: Number(values.ff) };
const reps = Number(values.reps);
const dir = await mkdtemp(join(tmpdir(), "tollama-compat-bench-"));
try {
  const pair = await scaledOlmoPair(dims);
  const twin = join(dir, "twin.gguf");
  const published = join(dir, "published.gguf");
  await writeSpec(twin, pair.llamaCpp);
  await writeSpec(published, pair.ollama);
  const size = (await stat(twin)).size;
  console.log(`olmo3 ${JSON.stringify(dims)}: ${(size / 2 ** 20).toFixed(0)} MiB`);
  const llama = await Llama.open();
  const time = async (fn: () => Promise<string>) => {
    const started = performance.now();
    const path = await fn();
    Model.load(llama, path).close();
    return performance.now() - started;
  };
  const native: number[] = [], first: number[] = [], later: number[] = [];
  let translatedBytes = 0;
  for (let rep = 0; rep < reps; rep++) {
    const cacheDir = join(dir, `compat-${rep}`);
    native.push(await time(() => Promise.resolve(twin)));
    first.push(await time(() => compatModelPath(published, { cacheDir })));
    later.push(await time(() => compatModelPath(published, { cacheDir })));
    translatedBytes = (await stat(await compatModelPath(published, { cacheDir }))).size;
    await rm(cacheDir, { recursive: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const n = median(native);
  console.log(`native mmap load            ${n.toFixed(0)} ms`);
  console.log(`published, first load       ${median(first).toFixed(0)} ms  (${(median(first) / n).toFixed(2)}x)`);
  console.log(`published, later loads      ${median(later).toFixed(0)} ms  (${(median(later) / n).toFixed(2)}x)`);
  console.log(`translation on disk         ${(translatedBytes / 2 ** 20).toFixed(0)} MiB (${(translatedBytes / size).toFixed(3)} of the model)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
