// Quantizing through libllama in /api/create (createModel with `quantize`): the F32 tiny-spm fixture to Q8_0 and
// Q4_K_M, both loaded and run by the engine; the Q8_0 file equals what llama.cpp's own llama_model_quantize makes
// from the same input (a C program against the same libllama) byte for byte, and generates the same greedy ids;
// a quantized source gets Ollama's error; an abort mid-quantization leaves no temp file, blob or manifest.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readGguf } from "../src/gguf/mod.ts";
import { loadModel } from "../src/engine/mod.ts";
import { defaultThreadCount, LLAMA_FTYPE } from "../src/llama/mod.ts";
import {
  createModel,
  type CreateProgress,
  estimateQuantizedSize,
  quantizationsSettled,
  readStoredModel,
} from "../src/modelfile/mod.ts";
import { parseModelName } from "../src/registry/mod.ts";
import { Store } from "../src/store/mod.ts";
import { fixtureModel, fixtureSkip, LLAMA_CPP_DIR, RECIPES, vocabPath } from "./fixtures/mod.ts";
import { generateFixture } from "./fixtures/generate.ts";
import { compileCheck } from "./helpers/compile_check.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const LIB_DIR = join(ROOT, "lib");
const skip = fixtureSkip("tiny-spm");

async function withStore(fn: (store: Store, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-quantize-"));
  try {
    await fn(await Store.open(join(dir, "models")), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function importBlob(store: Store, path: string): Promise<string> {
  return (await store.writeBlob(createReadStream(path) as unknown as AsyncIterable<Uint8Array>)).digest;
}

async function sha256(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

/** Greedy ids of `prompt` from the model file at `path`, through the engine's Worker. */
async function greedy(path: string, prompt = "The quick brown fox", n = 12): Promise<number[]> {
  const model = await loadModel(path, { numCtx: 256, numThread: 1 });
  try {
    const result = await model.complete(prompt, { raw: true, options: { temperature: 0, num_predict: n, seed: 1 } });
    assert.ok(result.tokens.length > 0, "generated nothing");
    return result.tokens;
  } finally {
    await model.close();
  }
}

async function createQuantized(store: Store, source: string, quantize: string, name: string): Promise<CreateProgress[]> {
  const events: CreateProgress[] = [];
  await createModel(store, { model: name, files: { "model.gguf": source }, quantize }, { onProgress: (e) => events.push(e) });
  return events;
}

test("createModel() quantizes tiny-spm F32 to Q8_0 and Q4_K_M through libllama; both load and generate", { skip }, async () => {
  await withStore(async (store) => {
    const input = await fixtureModel("tiny-spm");
    const source = await importBlob(store, input);
    for (const [quantize, type] of [["q8_0", "Q8_0"], ["q4_K_M", "Q4_K_M"]]) {
      const events = await createQuantized(store, source, quantize, `tiny-${quantize}`);
      const quantizing = events.filter((e) => e.status === `quantizing F32 model to ${type}`);
      assert.ok(quantizing.length >= 1, `no quantizing lines in ${JSON.stringify(events.map((e) => e.status))}`);
      for (const e of quantizing) {
        assert.equal(e.digest, "0000000000000000000");
        assert.ok(e.total! > 0 && e.completed! >= 0 && e.completed! <= e.total!, JSON.stringify(e));
      }
      assert.equal(quantizing.at(-1)!.completed, quantizing.at(-1)!.total);
      assert.equal(events.at(-1)!.status, "success");

      const model = await readStoredModel(store, await store.readManifest(parseModelName(`tiny-${quantize}`)));
      assert.equal(model.config.file_type, type);
      assert.notEqual(model.modelLayer!.digest, source);
      assert.ok(events.some((e) => e.status === `creating new layer ${model.modelLayer!.digest}`));
      const gguf = await readGguf(model.modelPath!, { maxArrayElements: 0 });
      assert.equal(gguf.metadata["general.file_type"], LLAMA_FTYPE[type]);
      assert.equal(model.modelLayer!.size, gguf.fileSize);
      // the estimate behind the progress bar is close to what libllama wrote
      const estimate = estimateQuantizedSize(await readGguf(input, { maxArrayElements: 0 }), type);
      assert.ok(Math.abs(estimate - gguf.fileSize) / gguf.fileSize < 0.1, `estimate ${estimate} vs ${gguf.fileSize}`);
      await greedy(model.modelPath!);
    }
    // no temp files left in the blob directory
    assert.deepEqual((await readdir(store.blobsDir)).filter((n) => n.startsWith(".tmp")), []);
  });
});

const libs = existsSync(LIB_DIR)
  ? [/^libllama\.v[\d.]+\.so$/, /^libggml\.v[\d.]+\.so$/, /^libggml-base\.so$/].map((p) => readdirSync(LIB_DIR).find((f) => p.test(f)))
  : [];
function cSkip(): string | false {
  if (skip) return skip;
  if (spawnSync("cc", ["--version"]).status !== 0) return "no C compiler (cc) to build llama.cpp's quantize check";
  if (libs.length === 0 || libs.some((l) => !l)) return `libllama/libggml not found in ${LIB_DIR}`;
  if (!existsSync(join(LLAMA_CPP_DIR, "include", "llama.h"))) return `llama.h not found under ${LLAMA_CPP_DIR}`;
  return false;
}

/** tests/helpers/quantize_check.c, compiled once per source version into the fixture cache. */
function quantizeCheck(): Promise<string> {
  return compileCheck("quantize_check", libs);
}

test("createModel() quantizes an F16 model made from another model (`from` + quantize), the base left as it is", { skip }, async () => {
  await withStore(async (store) => {
    const source = await importBlob(store, await fixtureModel("tiny-spm"));
    await createQuantized(store, source, "f16", "half");
    const half = await readStoredModel(store, await store.readManifest(parseModelName("half")));
    assert.equal(half.config.file_type, "F16");
    const events: CreateProgress[] = [];
    await createModel(store, { model: "small", from: "half", quantize: "Q4_K_M" }, { onProgress: (e) => events.push(e) });
    assert.ok(events.some((e) => e.status === "quantizing F16 model to Q4_K_M"), JSON.stringify(events));
    const small = await readStoredModel(store, await store.readManifest(parseModelName("small")));
    assert.equal(small.config.file_type, "Q4_K_M");
    assert.equal(small.modelLayer!.from, "half:latest");
    const again = await readStoredModel(store, await store.readManifest(parseModelName("half")));
    assert.equal(again.modelLayer!.digest, half.modelLayer!.digest);
    await greedy(small.modelPath!);
  });
});

test("the Q8_0 and Q4_K_M files equal llama.cpp's own llama_model_quantize output byte for byte, with the same greedy ids", {
  skip: cSkip(),
}, async () => {
  await withStore(async (store, dir) => {
    const input = await fixtureModel("tiny-spm");
    const source = await importBlob(store, input);
    const check = await quantizeCheck();
    for (const type of ["Q8_0", "Q4_K_M"]) {
      await createQuantized(store, source, type.toLowerCase(), "tiny-q");
      const ours = (await readStoredModel(store, await store.readManifest(parseModelName("tiny-q")))).modelPath!;
      const theirs = join(dir, `c-${type}.gguf`);
      const run = spawnSync(check, [LIB_DIR, input, theirs, String(LLAMA_FTYPE[type]), String(defaultThreadCount())], {
        encoding: "utf8",
        timeout: 120_000,
      });
      assert.equal(run.status, 0, `quantize_check failed:\n${run.stderr}`);
      assert.equal(await sha256(ours), await sha256(theirs), `${type}: our file differs from llama.cpp's`);
      if (type === "Q8_0") assert.deepEqual(await greedy(ours), await greedy(theirs));
    }
  });
});

test("createModel() refuses to quantize an already quantized model with Ollama's error, and leaves nothing", { skip }, async () => {
  await withStore(async (store) => {
    const source = await importBlob(store, await fixtureModel("tiny-spm"));
    await createQuantized(store, source, "q8_0", "q8");
    const q8 = (await readStoredModel(store, await store.readManifest(parseModelName("q8")))).modelLayer!.digest;
    const blobs = (await store.listBlobs()).sort();
    await assert.rejects(
      createModel(store, { model: "again", files: { "model.gguf": q8 }, quantize: "q4_K_M" }),
      (error: Error & { status?: number }) => {
        assert.equal(error.message, "quantization is only supported for F16, BF16 and F32 models");
        assert.equal(error.status, 400);
        return true;
      },
    );
    assert.equal(await store.findManifest(parseModelName("again")), undefined);
    assert.deepEqual((await store.listBlobs()).sort(), blobs);
  });
});

/** Big enough that libllama takes a while: 256-dim, 4 layers, 32k vocabulary (~80 MB F32). */
async function mediumModel(dir: string): Promise<string> {
  const input = join(dir, "medium.gguf");
  await generateFixture(input, {
    recipe: { ...RECIPES["tiny-spm"], name: "medium", embd: 256, layers: 4, ff: 768, seed: 9 },
    vocabPath: vocabPath("tiny-spm"),
  });
  return input;
}

test("the main thread keeps running timers while libllama quantizes in the worker", { skip }, async () => {
  await withStore(async (store, dir) => {
    const source = await importBlob(store, await mediumModel(dir));
    let last = performance.now();
    let worst = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    try {
      await createQuantized(store, source, "q4_K_M", "medium");
    } finally {
      clearInterval(timer);
    }
    const took = performance.now() - started;
    // Quantizing on this thread would stall it for the whole quantization. In the worker, what is left is the
    // create's own hashing and file work in small steps, and the scheduling noise of a busy shared box.
    assert.ok(worst < took / 3, `a timer waited ${worst.toFixed(0)} ms during a ${took.toFixed(0)} ms create`);
  });
});

test("aborting createModel() mid-quantization leaves no temp file, blob or manifest", { skip }, async () => {
  await withStore(async (store, dir) => {
    const source = await importBlob(store, await mediumModel(dir));
    const blobs = (await store.listBlobs()).sort();
    const controller = new AbortController();
    const events: CreateProgress[] = [];
    const started = performance.now();
    await assert.rejects(
      createModel(store, { model: "medium", files: { "m.gguf": source }, quantize: "q4_K_M" }, {
        signal: controller.signal,
        onProgress: (event) => {
          events.push(event);
          // abort once libllama has started writing
          if (event.status.startsWith("quantizing") && event.completed! > 0) controller.abort(new Error("stop"));
        },
      }),
      /stop/,
    );
    const abortedAfter = performance.now() - started;
    const last = events.filter((e) => e.status === "quantizing F32 model to Q4_K_M").at(-1);
    assert.ok(last && last.completed! < last.total!, `not aborted mid-quantization: ${JSON.stringify(events)}`);
    assert.equal(await store.findManifest(parseModelName("medium")), undefined);
    // libllama may still be finishing into the unlinked file; give the remover a moment
    const deadline = Date.now() + 10_000;
    let temps: string[] = [];
    do {
      temps = (await readdir(store.blobsDir)).filter((n) => n.startsWith(".tmp"));
      if (temps.length === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    } while (Date.now() < deadline);
    assert.deepEqual(temps, []);
    assert.deepEqual((await store.listBlobs()).sort(), blobs);
    assert.ok(abortedAfter < 60_000);
    // libllama runs on until it returns; the worker (and the log callback it calls) must outlive it.
    await quantizationsSettled();
    assert.deepEqual((await readdir(store.blobsDir)).filter((n) => n.startsWith(".tmp")), []);
  });
});
