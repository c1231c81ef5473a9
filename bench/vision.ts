/**
 * Image prompt processing through tollama (loadModel with a projector → Worker → libmtmd through FFI) against
 * libmtmd's own C API on the same files (tests/helpers/mtmd_check.c, compiled here with cc): the time from the
 * image's bytes to the prompt's first output (decode + encode + prompt eval), and tollama's time to first token
 * for one image. Runs are interleaved (ABBA); medians compared; prints the ratio C ÷ tollama (1 = as fast).
 *
 *   npx deno run -A bench/vision.ts [--reps 5] [--image 224] [--patch 14] [--width 256]
 *   npx bun run bench/vision.ts ...
 *
 * Model: the bench-q8 fixture (768-dim, 12 layers, Q8_0) with a seeded LLaVA `mlp` projector written for it
 * (tests/fixtures/mmproj.ts; 224 px / 14 px patches = 256 image tokens by default). One thread on both sides.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadModel } from "../src/engine/mod.ts";
import { runtime } from "../src/runtime/mod.ts";
import { png } from "../tests/helpers/png.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lib = join(root, "lib");
const source = join(root, ".cache/llama.cpp");
const { values } = parseArgs({
  args: runtime.args(),
  options: {
    reps: { type: "string", default: "5" },
    image: { type: "string", default: "224" },
    patch: { type: "string", default: "14" },
    width: { type: "string", default: "256" },
  },
});
const reps = Number(values.reps);
const MARKER = "<__media__>";
const PROMPT = `USER: ${MARKER}\nDescribe the picture.\nASSISTANT:`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const libs = [/^libllama\.v[\d.]+\.so$/, /^libggml\.v[\d.]+\.so$/, /^libggml-base\.so$/, /^libmtmd\.so$/]
  .map((p) => readdirSync(lib).find((f) => p.test(f)));
if (libs.some((l) => !l)) throw new Error(`libllama/libggml/libmtmd missing in ${lib} (run npm install; libmtmd needs g++)`);

const dir = mkdtempSync(join(tmpdir(), "tollama-bench-vision-"));
try {
  const { fixtureModel } = await import("../tests/fixtures/mod.ts");
  const { writeFixtureProjector } = await import("../tests/fixtures/mmproj.ts");
  const model = await fixtureModel("bench-q8");
  const projector = join(dir, "mmproj.gguf");
  await writeFixtureProjector(projector, model, {
    imageSize: Number(values.image),
    patchSize: Number(values.patch),
    embd: Number(values.width),
  });
  const image = join(dir, "image.png");
  // A 256×256 RGB PNG with a seeded pattern (resized by the projector's preprocessing, as a photo would be).
  writeFileSync(image, png(256, 256, (x, y) => [(x * 7) & 255, (y * 5) & 255, ((x ^ y) * 3) & 255]));
  const check = join(dir, "mtmd_check");
  mkdirSync(dir, { recursive: true });
  execFileSync("cc", [
    "-O2", "-o", check, join(root, "tests/helpers/mtmd_check.c"),
    ...["include", "ggml/include", "tools/mtmd"].map((d) => `-I${join(source, d)}`),
    `-L${lib}`, ...libs.map((l) => `-l:${l}`), `-Wl,-rpath,${lib}`,
  ]);
  if (!existsSync(check)) throw new Error("the C reference did not build");

  const native = (): { ms: number; tokens: number } => {
    const out = execFileSync(check, [lib, model, projector, PROMPT, "1", image], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const value = (key: string) => Number(new RegExp(`^${key}=(.*)$`, "m").exec(out)?.[1]);
    return { ms: value("prompt_ms"), tokens: value("prompt_tokens") };
  };
  const loaded = await loadModel(model, { projector, numThread: 1, numParallel: 1 });
  const bytes = readFileSync(image);
  let salt = 0;
  const tollama = async (): Promise<{ ms: number; ttft: number }> => {
    // a different text before the image each time: nothing comes from the prefix cache
    const prompt = `${salt++} ${PROMPT.replace(MARKER, "[img-0]")}`;
    const started = performance.now();
    let ttft = NaN;
    let promptMs = NaN;
    for await (const chunk of loaded.generate(prompt, { raw: true, images: [bytes], options: { temperature: 0, num_predict: 1 } })) {
      if (Number.isNaN(ttft)) ttft = performance.now() - started;
      if (chunk.done && chunk.timings) promptMs = chunk.timings.promptEvalDuration / 1e6;
    }
    return { ms: promptMs, ttft };
  };
  await tollama(); // first use binds libmtmd in the worker
  const c: number[] = [];
  const t: number[] = [];
  const ttfts: number[] = [];
  let tokens = 0;
  for (let i = 0; i < reps; i++) {
    const order = i % 2 === 0 ? ["c", "t", "t", "c"] : ["t", "c", "c", "t"];
    for (const side of order) {
      if (side === "c") {
        const r = native();
        c.push(r.ms);
        tokens = r.tokens;
      } else {
        const r = await tollama();
        t.push(r.ms);
        ttfts.push(r.ttft);
      }
    }
  }
  await loaded.close();
  const name = "Bun" in globalThis ? "bun" : "deno";
  console.log(`${name}: ${tokens} prompt positions with one image, 1 thread, ${reps * 2} runs each (interleaved)`);
  console.log(`C (libmtmd helper): image bytes → prompt evaluated, median ${median(c).toFixed(1)} ms`);
  console.log(`tollama: request → first token (image decode included), median ${median(ttfts).toFixed(1)} ms; ` +
    `engine prompt eval after tokenizing ${median(t).toFixed(1)} ms`);
  console.log(`ratio C ÷ tollama time to first token (1 = as fast): ${(median(c) / median(ttfts)).toFixed(3)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
