// Everything that reads a model sees a published-Ollama blob as libllama loads it (src/compat/'s translated view):
// /api/show gives its llama.cpp twin's model_info, tensors and capabilities (plus the keys Ollama published that
// llama.cpp never reads, which Ollama itself shows too), /api/ps the twin's size, and create with `quantize`
// writes llama.cpp's layout, which a bare libllama loads and which generates what the twin quantized alike does.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { estimateSpec, type LoadSpec } from "../src/engine/mod.ts";
import { readGguf } from "../src/gguf/mod.ts";
import { Llama, Model } from "../src/llama/mod.ts";
import { buildPair, COMPAT_ARCHS, compatPair, compatPairSkip, type PairSpec, writeSpec } from "./fixtures/compat_pairs.ts";
import { installGguf, postJson, startTestServer, type TestServer, uploadBlob } from "./helpers/server.ts";

const skip = compatPairSkip();

/** Keys the published layout carries and the translation keeps (llama.cpp reads none of them). */
const PUBLISHED_ONLY: Record<string, string[]> = {
  gemma3: ["gemma3.mm.tokens_per_image"],
  mistral3: [
    "mistral3.rope.scaling.beta_fast",
    "mistral3.rope.scaling.beta_slow",
    "mistral3.rope.scaling.mscale_all_dim",
    "mistral3.rope.scaling_beta",
  ],
  qwen3vl: ["qwen3vl.vision.deepstack_visual_indexes"],
};

let server: TestServer;
let home: string;
const savedModels = process.env.OLLAMA_MODELS;

before(async () => {
  if (skip) return;
  home = await mkdtemp(join(tmpdir(), "tollama-compat-views-"));
  process.env.OLLAMA_MODELS = join(home, "models");
  server = await startTestServer();
  for (const arch of COMPAT_ARCHS) {
    const pair = await compatPair(arch);
    await installGguf(server.store, `${arch}-llamacpp:latest`, pair.llamaCpp);
    await installGguf(server.store, `${arch}-ollama:latest`, pair.ollama);
  }
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
  if (savedModels === undefined) delete process.env.OLLAMA_MODELS;
  else process.env.OLLAMA_MODELS = savedModels;
  if (home) await rm(home, { recursive: true, force: true });
});

type Shown = { model_info: Record<string, unknown>; tensors?: unknown[]; capabilities?: string[]; details: Record<string, unknown> };

async function show(model: string, verbose = false): Promise<Shown> {
  const { status, json } = await postJson(server, "/api/show", { model, verbose });
  assert.equal(status, 200, JSON.stringify(json));
  return json as Shown;
}

test("show: a published blob's model_info is its twin's plus only the published keys llama.cpp never reads", { skip, timeout: 120_000 }, async () => {
  for (const arch of COMPAT_ARCHS) {
    for (const verbose of [false, true]) {
      const published = await show(`${arch}-ollama`, verbose);
      const twin = await show(`${arch}-llamacpp`, verbose);
      const extra = Object.keys(published.model_info).filter((key) => !(key in twin.model_info));
      assert.deepEqual(extra.sort(), PUBLISHED_ONLY[arch] ?? [], `${arch}: keys only the published blob shows`);
      for (const key of extra) delete published.model_info[key];
      assert.deepEqual(published.model_info, twin.model_info, `${arch} (verbose ${verbose})`);
      assert.equal(published.model_info["general.architecture"], twin.model_info["general.architecture"]);
      assert.deepEqual(published.capabilities, twin.capabilities, arch);
      assert.deepEqual(published.details, twin.details, arch);
      if (verbose) assert.deepEqual(published.tensors, twin.tensors, `${arch}: llama.cpp's tensor names, types and shapes`);
    }
  }
});

test("estimateSpec(): a published blob is estimated as its twin, its hidden vision tower counted as the projector", { skip }, async () => {
  const spec = (modelPath: string): LoadSpec => ({ key: modelPath, name: "m", model: "m", modelPath, options: { num_ctx: 256 } });
  for (const arch of COMPAT_ARCHS) {
    const pair = await compatPair(arch);
    const [published, twin] = await Promise.all([estimateSpec(spec(pair.ollama), 2), estimateSpec(spec(pair.llamaCpp), 2)]);
    const raw = await readGguf(pair.ollama, { maxArrayElements: 0 });
    const vision = raw.tensors.filter((t) => /^(v|mm)\./.test(t.name)).reduce((sum, t) => sum + t.size, 0);
    assert.deepEqual({ ...published, projector: 0, total: published.total - vision }, twin, arch);
    assert.equal(published.projector, vision, arch);
    if (["gemma3", "mistral3", "qwen3vl"].includes(arch)) assert.ok(vision > 0, arch);
  }
});

test("ps: a published blob loaded through its translation reports its twin's size", { skip, timeout: 300_000 }, async () => {
  for (const arch of ["gptoss", "lfm2", "olmo3"] as const) {
    const sizes: number[] = [];
    for (const model of [`${arch}-ollama`, `${arch}-llamacpp`]) {
      const { status, json } = await postJson(server, "/api/generate", {
        model,
        prompt: "Hi",
        raw: true,
        stream: false,
        options: { num_predict: 1, num_ctx: 256 },
      });
      assert.equal(status, 200, JSON.stringify(json));
      const ps = await (await fetch(`${server.url}/api/ps`)).json() as { models: Array<{ name: string; size: number; size_vram: number }> };
      const entry = ps.models.find((m) => m.name === `${model}:latest`)!;
      assert.ok(entry.size > 0);
      assert.equal(entry.size_vram, 0);
      sizes.push(entry.size);
      await postJson(server, "/api/generate", { model, keep_alive: 0 });
    }
    assert.equal(sizes[0], sizes[1], `${arch}: published ${sizes[0]} vs twin ${sizes[1]}`);
  }
});

test("create from a published-layout GGUF records its twin's family, size, template, parameters and capabilities", { skip, timeout: 120_000 }, async () => {
  for (const arch of ["llama", "gptoss", "olmo3"] as const) {
    const pair = await compatPair(arch);
    const shown: Array<Shown & Record<string, unknown>> = [];
    for (const [kind, path] of [["ollama", pair.ollama], ["llamacpp", pair.llamaCpp]]) {
      const model = `${arch}-${kind}-created`;
      const digest = await uploadBlob(server, path);
      const { status, json } = await postJson(server, "/api/create", { model, files: { "model.gguf": digest }, stream: false });
      assert.equal(status, 200, JSON.stringify(json));
      shown.push(await show(model) as Shown & Record<string, unknown>);
    }
    const [published, twin] = shown;
    assert.equal(published.details.family, twin.details.family, arch);
    assert.deepEqual(published.details, twin.details, arch);
    assert.equal(published.template, twin.template, arch);
    assert.equal(published.parameters, twin.parameters, arch);
    assert.deepEqual(published.capabilities, twin.capabilities, arch);
  }
});

/** The pair with every matrix in F32 and general.file_type ALL_F32, so `quantize` takes it (Ollama's rule). */
async function f32Pair(arch: (typeof COMPAT_ARCHS)[number], dir: string): Promise<{ ollama: string; llamaCpp: string }> {
  const pair = await buildPair(arch);
  const f32 = (spec: PairSpec) => {
    for (const tensor of spec.tensors) if (tensor.kind === "q8") tensor.kind = "f32";
    spec.metadata.set("general.file_type", { type: "uint32", value: 0 });
  };
  f32(pair.ollama);
  f32(pair.llamaCpp);
  const paths = { ollama: join(dir, `${arch}-ollama-f32.gguf`), llamaCpp: join(dir, `${arch}-llamacpp-f32.gguf`) };
  await writeSpec(paths.ollama, pair.ollama);
  await writeSpec(paths.llamaCpp, pair.llamaCpp);
  return paths;
}

test("create -q from a published-layout GGUF writes llama.cpp's layout, loadable bare, generating as its twin quantized", {
  skip,
  timeout: 300_000,
}, async () => {
  const arch = "gptoss";
  const files = await f32Pair(arch, home);
  const quantized: Record<string, string> = {};
  for (const [kind, path] of Object.entries(files)) {
    const digest = await uploadBlob(server, path);
    const model = `${arch}-${kind}-q8`;
    const { status, json } = await postJson(server, "/api/create", { model, files: { "model.gguf": digest }, quantize: "q8_0", stream: false });
    assert.equal(status, 200, JSON.stringify(json));
    const shown = await show(model, true);
    assert.equal(shown.details.quantization_level, "Q8_0");
    const manifest = await server.store.readManifest((await import("../src/registry/mod.ts")).parseModelName(model));
    quantized[kind] = server.store.blobPath(manifest.manifest.layers.find((l) => l.mediaType.endsWith(".model"))!.digest);
  }
  // the published file's quantization is in llama.cpp's layout: its header is the twin's quantization's header
  const [a, b] = await Promise.all([readGguf(quantized.ollama), readGguf(quantized.llamaCpp)]);
  assert.equal(a.metadata["general.architecture"], "gpt-oss");
  assert.deepEqual(a.tensors.map((t) => [t.name, t.typeName, t.shape]), b.tensors.map((t) => [t.name, t.typeName, t.shape]));
  // a bare libllama (no translation) loads it
  const llama = await Llama.open();
  {
    using model = Model.load(llama, quantized.ollama);
    assert.equal(model.vocab.tokenize("Hello world").length > 0, true);
  }
  // and it generates what the twin's quantization generates
  const outputs: string[] = [];
  for (const kind of ["ollama", "llamaCpp"]) {
    const { status, json } = await postJson(server, "/api/generate", {
      model: `${arch}-${kind}-q8`,
      prompt: "Hello  world, it's 12345 CamelCaseWords",
      raw: true,
      stream: false,
      options: { temperature: 0, num_predict: 8, seed: 1, num_ctx: 256 },
    });
    assert.equal(status, 200, JSON.stringify(json));
    outputs.push(JSON.stringify([json.response, json.context]));
  }
  assert.equal(outputs[0], outputs[1]);
  // the scratch translation made for quantizing is gone
  const compatDir = join(server.dir, "compat");
  assert.deepEqual((await readdir(compatDir).catch(() => [] as string[])).filter((n) => n.startsWith(".quantize-")), []);
});
