/**
 * What the load probe adds to a model's first load (src/engine/load_probe.ts): validateGguf plus a child process of
 * this program that loads the model, builds a small context and decodes one token. Measured against the load it
 * guards, `loadModel()` in this process with the probe off (Worker start, weights, context), for tiny-spm and
 * bench-q8. Each rep copies the fixture to a new blob name in a temp store, so no verdict is cached; the two
 * contenders alternate; medians. Later loads of a blob with a verdict cost a file read (about a millisecond).
 *
 *   npx deno run -A bench/load_probe.ts [--reps 5]
 *   npx bun run bench/load_probe.ts [--reps 5]
 */
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { checkLoadable, loadModel } from "../src/engine/mod.ts";
import { runtime } from "../src/runtime/mod.ts";
import { fixtureModel, type FixtureName } from "../tests/fixtures/mod.ts";

const { values } = parseArgs({ args: process.argv.slice(2), options: { reps: { type: "string", default: "5" } } });
const reps = Number(values.reps);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const store = await mkdtemp(join(tmpdir(), "tollama-bench-probe-"));
await mkdir(join(store, "blobs"));
let serial = 0;
try {
  console.log(
    `load probe on ${runtime.name} ${runtime.version}, ${reps} reps, load average ${loadavg()[0].toFixed(1)}`,
  );
  for (const name of ["tiny-spm", "bench-q8"] as FixtureName[]) {
    const source = await fixtureModel(name);
    const probe: number[] = [];
    const load: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const blob = join(store, "blobs", `sha256-${(++serial).toString(16).padStart(64, "0")}`);
      await copyFile(source, blob);
      let started = performance.now();
      await checkLoadable(blob, { probe: true });
      probe.push(performance.now() - started);
      started = performance.now();
      const model = await loadModel(blob, { probe: false, numCtx: 2048 });
      load.push(performance.now() - started);
      await model.close();
      await rm(blob);
    }
    const p = median(probe);
    const l = median(load);
    console.log(
      `${name.padEnd(9)} probe ${p.toFixed(0).padStart(5)} ms   in-process load ${l.toFixed(0).padStart(5)} ms   ` +
        `first load costs ${((p + l) / l).toFixed(2)}x`,
    );
  }
} finally {
  await rm(store, { recursive: true, force: true });
}
process.exit(0);
