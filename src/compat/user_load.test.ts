// loadModelFile: a published-Ollama file loads from its translated header with the file's own bytes (no copy on
// disk) and gives its twin's greedy ids, including the tensors libllama creates that the file lacks (a tied
// output, absent biases); a file without a marker still goes through libllama's mmap load; broken files fail clearly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Batch, Llama, type Model, ModelLoadError } from "../llama/mod.ts";
import { buildPair, COMPAT_ARCHS, type CompatArch, compatPair, compatPairSkip, type PairSpec, writeSpec } from "../../tests/fixtures/compat_pairs.ts";
import { CompatError } from "./compat_error.ts";
import { loadModelFile, type LoadRoute } from "./user_load.ts";

const skip = compatPairSkip();
const PROMPT = "Hello  world, it's 12345 CamelCaseWords   and   you're  2024 don't";

/** Prompt tokens and 6 greedy ids (argmax of the logits), on one thread. */
function greedy(llama: Llama, model: Model): { prompt: number[]; ids: number[] } {
  const prompt = model.vocab.tokenize(PROMPT);
  using context = model.createContext({ nCtx: 256, nThreads: 1 });
  using batch = new Batch(llama.ffi, 256, 1);
  prompt.forEach((id, i) => batch.add(id, i, 0, i === prompt.length - 1));
  context.decode(batch);
  const ids: number[] = [];
  for (let pos = prompt.length; ids.length < 6; pos++) {
    const logits = context.logits(-1);
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    ids.push(best);
    batch.clear();
    batch.add(best, pos, 0, true);
    context.decode(batch);
  }
  return { prompt, ids };
}

/** Loads `path` through loadModelFile with a cache dir inside `dir`; its greedy output and the route taken. */
async function viaLoadModelFile(llama: Llama, path: string, dir: string) {
  let route: LoadRoute | undefined;
  using model = await loadModelFile(llama, path, { cacheDir: join(dir, "compat"), onRoute: (r) => (route = r) });
  return { ...greedy(llama, model), route };
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-user-load-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("loadModelFile: every published layout loads with no copy on disk and gives its twin's greedy ids", { skip, timeout: 300_000 }, async () => {
  const llama = await Llama.open();
  await withDir(async (dir) => {
    for (const arch of COMPAT_ARCHS) {
      const pair = await compatPair(arch);
      const twin = await viaLoadModelFile(llama, pair.llamaCpp, dir);
      const published = await viaLoadModelFile(llama, pair.ollama, dir);
      assert.equal(twin.route, "file", `${arch}: the twin has no marker and is mmapped as before`);
      assert.equal(published.route, "user", arch);
      assert.deepEqual(published.prompt, twin.prompt, arch);
      assert.deepEqual(published.ids, twin.ids, arch);
    }
    assert.equal(existsSync(join(dir, "compat")), false, "nothing is written under compat/");
  });
});

/** Writes both layouts of `arch` with `edit` applied to each; the greedy outputs of the twin and the translation. */
async function editedPair(arch: CompatArch, edit: (spec: PairSpec) => void) {
  const llama = await Llama.open();
  return await withDir(async (dir) => {
    const { llamaCpp, ollama } = await buildPair(arch);
    edit(llamaCpp);
    edit(ollama);
    await writeSpec(join(dir, "twin.gguf"), llamaCpp);
    await writeSpec(join(dir, "published.gguf"), ollama);
    const twin = await viaLoadModelFile(llama, join(dir, "twin.gguf"), dir);
    const published = await viaLoadModelFile(llama, join(dir, "published.gguf"), dir);
    return { twin, published, wrote: existsSync(join(dir, "compat")) };
  });
}

test("loadModelFile: a tied model (no output.weight) gets token_embd's bytes as its output, like its twin", { skip, timeout: 120_000 }, async () => {
  const { twin, published, wrote } = await editedPair("llama", (spec) => {
    spec.tensors = spec.tensors.filter((t) => t.name !== "output.weight");
  });
  assert.equal(published.route, "user");
  assert.equal(wrote, false);
  assert.deepEqual(published.ids, twin.ids);
});

test("loadModelFile: optional biases, present in one layer and absent in the others, match the twin", { skip, timeout: 120_000 }, async () => {
  const { twin, published, wrote } = await editedPair("llama", (spec) => {
    const q = spec.tensors.find((t) => t.name === "blk.0.attn_q.weight")!;
    const k = spec.tensors.find((t) => t.name === "blk.0.attn_k.weight")!;
    const bias = (name: string, n: number) => ({ name: `blk.0.${name}.bias`, shape: [n], kind: "f32" as const, seed: `blk.0.${name}.bias` });
    spec.tensors.push(bias("attn_q", q.shape[1]), bias("attn_k", k.shape[1]), bias("attn_v", k.shape[1]), bias("attn_output", q.shape[0]));
  });
  assert.equal(published.route, "user");
  assert.equal(wrote, false);
  assert.deepEqual(published.ids, twin.ids);
});

test("loadModelFile: a truncated published file is a clear load error, and nothing crashes", { skip, timeout: 120_000 }, async () => {
  const llama = await Llama.open();
  await withDir(async (dir) => {
    for (const arch of ["olmo3", "gptoss"] as const) {
      const pair = await compatPair(arch);
      const cut = join(dir, `${arch}-cut.gguf`);
      await copyFile(pair.ollama, cut);
      await truncate(cut, (await stat(cut)).size - 100);
      // the header parser sees a tensor past the end: libllama is handed the file and refuses it (no load starts)
      await assert.rejects(loadModelFile(llama, cut, { cacheDir: join(dir, "compat") }), (error: unknown) => {
        assert.ok(error instanceof ModelLoadError, String(error));
        assert.match(error.message, /truncated/);
        return true;
      });
    }
    // the process still loads models
    using model = await loadModelFile(llama, (await compatPair("olmo3")).ollama, { cacheDir: join(dir, "compat") });
    assert.ok(model.nLayer > 0);
    assert.equal(existsSync(join(dir, "compat")), false);
  });
});

test("loadModelFile: a tensor whose shape is not what the architecture creates is a CompatError, not an overrun", { skip, timeout: 120_000 }, async () => {
  const llama = await Llama.open();
  await withDir(async (dir) => {
    const { ollama } = await buildPair("olmo3");
    const up = ollama.tensors.find((t) => t.name === "blk.0.ffn_up.weight")!;
    up.shape = [up.shape[0], up.shape[1] + 32];
    const path = join(dir, "wide.gguf");
    await writeSpec(path, ollama);
    await assert.rejects(loadModelFile(llama, path, { cacheDir: join(dir, "compat") }), (error: unknown) => {
      assert.ok(error instanceof CompatError, String(error));
      assert.match(error.message, /tensor 'blk\.0\.ffn_up\.weight' has shape \[\d+,\d+\], the architecture expects \[\d+,\d+\]/);
      return true;
    });
  });
});

test("loadModelFile: a published file without a tensor the architecture needs is a clear load error, and nothing is read", { skip, timeout: 120_000 }, async () => {
  const llama = await Llama.open();
  await withDir(async (dir) => {
    const { ollama } = await buildPair("olmo3");
    ollama.tensors = ollama.tensors.filter((t) => t.name !== "blk.0.ffn_up.weight");
    const path = join(dir, "short.gguf");
    await writeSpec(path, ollama);
    // libllama counts the tensors it creates against the header's and refuses before any byte is asked for
    await assert.rejects(loadModelFile(llama, path, { cacheDir: join(dir, "compat") }), (error: unknown) => {
      assert.ok(error instanceof ModelLoadError || error instanceof CompatError, String(error));
      return true;
    });
    assert.equal(existsSync(join(dir, "compat")), false);
  });
});

test("loadModelFile: copy (TOLLAMA_COMPAT_COPY) takes the derived file, which gives the same ids", { skip, timeout: 120_000 }, async () => {
  const llama = await Llama.open();
  await withDir(async (dir) => {
    const pair = await compatPair("olmo3");
    const twin = await viaLoadModelFile(llama, pair.llamaCpp, dir);
    let route: LoadRoute | undefined;
    using model = await loadModelFile(llama, pair.ollama, { cacheDir: join(dir, "compat"), copy: true, onRoute: (r) => (route = r) });
    assert.equal(route, "derived");
    assert.deepEqual(greedy(llama, model).ids, twin.ids);
    assert.equal(existsSync(join(dir, "compat")), true);
  });
});
