// Published-Ollama GGUFs of the Qwen 3.5 / Qwen3-Next / GLM / Laguna families (src/compat/): for each architecture,
// the published layout fails on a bare libllama load, and through tollama — the library face and /api/generate —
// gives the same prompt tokens, greedy ids and log-probabilities as its llama.cpp-layout twin (whose transformed
// tensors hold the transformed bytes). Malformed published files are refused naming the architecture, server up.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  CompatError,
  loadModelFile,
  type LoadRoute,
  translateHeader,
  type Translation,
  writeDerivedFile,
} from "../src/compat/mod.ts";
import { type GgufType, type GgufValue, readGguf } from "../src/gguf/mod.ts";
import { loadModel } from "../src/engine/mod.ts";
import { Llama, Model, ModelLoadError, watchLog } from "../src/llama/mod.ts";
import {
  BUILT_ARCHS,
  type QwenGlmArch,
  qwenGlmPair,
  qwenGlmPairSkip,
  type TwinSpec,
  writeEditedPublished,
} from "./fixtures/compat_pairs_qwen_glm.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";

const skip = qwenGlmPairSkip();
/** Digits, contractions, CamelCase and repeated spaces: a wrong pre-tokenizer splits these differently. */
const PROMPT = "Hello  world, it's 12345 CamelCaseWords   and   you're  2024 don't";
const GREEDY = { temperature: 0, num_predict: 8, seed: 1 };
/** What stock libllama says for each published layout. */
const BARE_ERRORS: Record<QwenGlmArch, RegExp> = {
  qwen35: /key qwen35\.rope\.dimension_sections has wrong array length; expected 4, got 3/,
  qwen35moe: /key qwen35moe\.rope\.dimension_sections has wrong array length; expected 4, got 3/,
  qwen3next: /tensor 'blk\.0\.ssm_dt\.bias' not found/,
  glmocr: /unknown model architecture: 'glmocr'/,
  glm4moelite: /unknown model architecture: 'glm4moelite'/,
  laguna: /tensor 'blk\.0\.attn_gate\.weight' not found/,
};

let server: TestServer;
let home: string;
const savedModels = process.env.OLLAMA_MODELS;

before(async () => {
  if (skip) return;
  // translations of files outside a store go to OLLAMA_MODELS/compat: keep them in a temp dir
  home = await mkdtemp(join(tmpdir(), "tollama-compat-qg-"));
  process.env.OLLAMA_MODELS = join(home, "models");
  server = await startTestServer();
});

const installs = new Map<QwenGlmArch, Promise<{ llamaCpp: string; ollama: string }>>();
/**
 * `arch`'s twins, written on first use and installed as `<arch>-llamacpp` and `<arch>-ollama`. Inside the tests (not
 * in `before`, whose timeout Bun does not take): writing them takes a few seconds each on a cold cache.
 */
function installedPair(arch: QwenGlmArch): Promise<{ llamaCpp: string; ollama: string }> {
  let promise = installs.get(arch);
  if (!promise) {
    promise = (async () => {
      const pair = await qwenGlmPair(arch);
      await installGguf(server.store, `${arch}-llamacpp:latest`, pair.llamaCpp);
      await installGguf(server.store, `${arch}-ollama:latest`, pair.ollama);
      return pair;
    })();
    installs.set(arch, promise);
  }
  return promise;
}
after(async () => {
  await server?.[Symbol.asyncDispose]();
  if (savedModels === undefined) delete process.env.OLLAMA_MODELS;
  else process.env.OLLAMA_MODELS = savedModels;
  if (home) await rm(home, { recursive: true, force: true });
});

/** A load on a bare libllama (no translation): its error and libllama's log lines, or undefined when it loads. */
async function bareError(path: string): Promise<string | undefined> {
  const llama = await Llama.open();
  const lines: string[] = [];
  const stop = watchLog((line) => lines.push(line));
  try {
    using _model = Model.load(llama, path);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof ModelLoadError, String(error));
    // Bun delivers libllama's log lines through a thread-safe callback, on a later turn of the event loop
    for (let i = 0; i < 100 && !lines.some((l) => /failed to load model/.test(l)); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    return `${error}\n${lines.join("")}`;
  } finally {
    stop();
  }
}

/** Greedy generation through the engine, with each step's log-probability. */
async function greedy(path: string) {
  const model = await loadModel(path, { numCtx: 256, numThread: 1, probe: false });
  try {
    let text = "", tokens: number[] = [], promptTokens: number[] = [];
    const logprobs: number[] = [];
    for await (const chunk of model.generate(PROMPT, { raw: true, options: GREEDY, logprobs: true })) {
      text += chunk.text;
      for (const entry of chunk.logprobs ?? []) logprobs.push(entry.logprob);
      if (chunk.done) ({ tokens = [], promptTokens = [] } = chunk);
    }
    return { tokens, promptTokens, text, logprobs };
  } finally {
    await model.close();
  }
}

async function httpGenerate(
  model: string,
  prompt = PROMPT,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/api/generate`, {
    method: "POST",
    body: JSON.stringify({ model, prompt, raw: true, stream: false, options: GREEDY }),
  });
  return { status: res.status, body: await res.json() };
}

for (const arch of BUILT_ARCHS) {
  test(`compat ${arch}: published layout fails bare, matches its llama.cpp twin through tollama`, {
    skip,
    timeout: 300_000,
  }, async () => {
    const pair = await installedPair(arch);
    assert.match((await bareError(pair.ollama)) ?? "loaded", BARE_ERRORS[arch]);
    // no second copy on disk: the transforms run in libllama's tensor callback
    let route: LoadRoute | undefined;
    const llama = await Llama.open();
    using _model = await loadModelFile(llama, pair.ollama, {
      cacheDir: join(home, "derived"),
      onRoute: (r) => (route = r),
    });
    assert.equal(route, "user");
    const twin = await greedy(pair.llamaCpp);
    const translated = await greedy(pair.ollama);
    assert.equal(twin.tokens.length, 8);
    assert.deepEqual(translated.promptTokens, twin.promptTokens);
    assert.deepEqual(translated.tokens, twin.tokens);
    // the same bytes give the same numbers, to float rounding: the published file loads by llama_model_init_from_user,
    // which keeps the CPU's repacked Q8_0 layouts off, so the twin's mmap load sums those matrices in another order
    assert.equal(translated.logprobs.length, twin.logprobs.length);
    translated.logprobs.forEach((x, i) =>
      assert.ok(Math.abs(x - twin.logprobs[i]) < 1e-5, `logprob ${i}: ${x} vs ${twin.logprobs[i]}`)
    );

    const viaHttp = await httpGenerate(`${arch}-ollama`);
    const twinHttp = await httpGenerate(`${arch}-llamacpp`);
    assert.equal(viaHttp.status, 200, JSON.stringify(viaHttp.body));
    assert.equal(viaHttp.body.response, twinHttp.body.response);
    assert.equal(viaHttp.body.response, twin.text);
    assert.equal(viaHttp.body.prompt_eval_count, twinHttp.body.prompt_eval_count);
    assert.equal(viaHttp.body.eval_count, 8);
  });
}

/** Malformed published files: what is changed, and the problem the error must name. */
const MALFORMED: Array<{ arch: QwenGlmArch; what: string; edit: (s: TwinSpec) => void; problem: RegExp }> = [
  {
    arch: "qwen35moe",
    what: "an MTP expert missing",
    edit: (s) => void (s.tensors = s.tensors.filter((t) => t.name !== "mtp.layers.0.mlp.experts.3.down_proj.weight")),
    problem:
      /Ollama-layout qwen35moe model cannot be translated: MTP layer 0 has 3 down_proj\.weight experts, qwen35moe\.expert_count says 4/,
  },
  {
    arch: "qwen35moe",
    what: "an MTP expert of another shape",
    edit: (s) =>
      void (s.tensors.find((t) => t.name === "mtp.layers.0.mlp.experts.1.gate_proj.weight")!.shape = [32, 64]),
    problem:
      /Ollama-layout qwen35moe model cannot be translated: tensor 'mtp\.layers\.0\.mlp\.experts\.1\.gate_proj\.weight' is Q8_0 \[32,64\]/,
  },
  {
    arch: "qwen35",
    what: "a KV-head array of strings",
    edit: (s) => void s.metadata.set("qwen35.attention.head_count_kv", { type: "array<string>", value: ["2", "2"] }),
    problem:
      /Ollama-layout qwen35 model cannot be translated: qwen35\.attention\.head_count_kv is not an array of numbers/,
  },
  {
    arch: "glmocr",
    what: "a block with ffn_gate but no ffn_up",
    edit: (s) => void (s.tensors = s.tensors.filter((t) => t.name !== "blk.1.ffn_up.weight")),
    problem: /Ollama-layout glmocr model cannot be translated: block 1 has ffn_gate but no ffn_up/,
  },
  {
    arch: "glmocr",
    what: "gate and up of different widths",
    edit: (s) => void (s.tensors.find((t) => t.name === "blk.0.ffn_gate.weight")!.shape = [64, 32]),
    problem:
      /Ollama-layout glmocr model cannot be translated: tensor 'blk\.0\.ffn_up\.weight' is F32 \[64,96\], unlike 'blk\.0\.ffn_gate\.weight' \(F32 \[64,32\]\)/,
  },
  {
    arch: "glm4moelite",
    what: "no KV LoRA rank",
    edit: (s) => void s.metadata.delete("glm4moelite.attention.kv_lora_rank"),
    problem:
      /Ollama-layout glm4moelite model cannot be translated: deepseek2\.attention\.kv_lora_rank \(glm4moelite\.attention\.kv_lora_rank\) is missing/,
  },
  {
    // libllama would abort the whole process on this gate width
    arch: "laguna",
    what: "an attention gate neither per head nor per element",
    edit: (s) => void (s.tensors.find((t) => t.name === "blk.1.attn_g.weight")!.shape = [64, 3]),
    problem:
      /Ollama-layout laguna model cannot be translated: tensor 'blk\.1\.attn_gate\.weight' has shape \[64,3\], expected \[64, 2 or 64\]/,
  },
  {
    arch: "qwen3next",
    what: "a KV-head array of strings",
    edit: (s) => void s.metadata.set("qwen3next.attention.head_count_kv", { type: "array<string>", value: ["1", "1"] }),
    problem:
      /Ollama-layout qwen3next model cannot be translated: qwen3next\.attention\.head_count_kv is not an array of numbers/,
  },
];

test("compat qwen/glm: malformed published files are refused with the architecture and the problem, over HTTP too", {
  skip,
  timeout: 300_000,
}, async () => {
  const dir = join(home, "malformed");
  await mkdir(dir, { recursive: true });
  for (const [i, { arch, what, edit, problem }] of MALFORMED.filter((m) => BUILT_ARCHS.includes(m.arch)).entries()) {
    const path = join(dir, `${arch}-${i}.gguf`);
    await writeEditedPublished(arch, path, edit);
    await assert.rejects(loadModel(path, { numCtx: 256, probe: false }), (error: unknown) => {
      assert.ok(error instanceof CompatError, `${what}: ${error}`);
      assert.match(error.message, problem);
      return true;
    });
    await installGguf(server.store, `bad-${arch}-${i}:latest`, path);
    const res = await httpGenerate(`bad-${arch}-${i}`, "hi");
    assert.equal(res.status, 500, what);
    assert.match(String(res.body.error), problem);
  }
  // a published file cut short: refused with a reason, never a crash
  for (const arch of BUILT_ARCHS) {
    const cut = join(dir, `${arch}-cut.gguf`);
    await copyFile((await qwenGlmPair(arch)).ollama, cut);
    await truncate(cut, (await stat(cut)).size - 4096);
    await assert.rejects(
      loadModel(cut, { numCtx: 256, probe: false }),
      /past the end of the file|could not read|failed|ended/,
    );
  }
  // the server still answers
  await installedPair(BUILT_ARCHS[0]);
  const ok = await httpGenerate(`${BUILT_ARCHS[0]}-ollama`);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.eval_count, 8);
});

/** One translation step undone on a finished translation, and what skipping it does to the small twin. */
interface SkippedStep {
  arch: QwenGlmArch;
  step: string;
  undo: (t: Translation) => void;
  /** load fails; prompt tokens differ; greedy ids differ; same ids but other log-probabilities; no change. */
  effect: "load" | "prompt" | "ids" | "logits" | "none";
}

const unset = (key: string) => (t: Translation) => void t.header.metadata.delete(key);
const setKey = (key: string, type: GgufType, value: GgufValue) => (t: Translation) =>
  void t.header.metadata.set(key, { type, value });
const renameBack = (from: RegExp, to: string) => (t: Translation) => {
  for (const x of t.header.tensors) x.name = x.name.replace(from, to);
};
/** Published keys llama.cpp never reads but that would make a derived file look published again. */
const MARKERS = ["vision.block_count", "image_token_id", "ssm.v_head_reordered", "rope.mrope_interleaved"]
  .flatMap((k) => [`qwen35.${k}`, `qwen35moe.${k}`])
  .concat("qwen35moe.feed_forward_length", "laguna.rope.swa.freq_base", "laguna.rope.swa.dimension_count");
/** The MTP norms back to their published values (still F32): what Ollama's +1.0 changes. */
const unshiftMtpNorms = (t: Translation) => {
  for (const x of t.header.tensors) {
    if (!x.produce || !/^blk\.2\..*norm\.weight$/.test(x.name)) continue;
    const produce = x.produce;
    x.produce = (read) => {
      const bytes = produce(read);
      const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).map((v) => v - 1);
      return new Uint8Array(values.buffer);
    };
  }
};
const SKIPPED: SkippedStep[] = [
  {
    arch: "qwen35",
    step: "rope.dimension_sections padded to 4",
    undo: setKey("qwen35.rope.dimension_sections", "array<int32>", [3, 3, 2]),
    effect: "load",
  },
  { arch: "qwen35", step: "ssm_dt → ssm_dt.bias", undo: renameBack(/\.ssm_dt\.bias$/, ".ssm_dt"), effect: "load" },
  {
    arch: "qwen35",
    step: "head_count_kv array → one count",
    undo: setKey("qwen35.attention.head_count_kv", "array<uint32>", [0, 1]),
    effect: "load",
  },
  // libllama skips the MTP block unless asked to load it (load_mtp): the shift is checked byte for byte instead
  { arch: "qwen35", step: "MTP norms +1.0", undo: unshiftMtpNorms, effect: "none" },
  {
    arch: "qwen35moe",
    step: "MTP experts merged",
    undo: (t) => void (t.header.tensors = t.header.tensors.filter((x) => !/^blk\.2\.ffn_\w+_exps/.test(x.name))),
    effect: "load",
  },
  {
    arch: "qwen3next",
    step: "head_count_kv array → one count",
    undo: setKey("qwen3next.attention.head_count_kv", "array<uint32>", [0, 1]),
    effect: "load",
  },
  {
    arch: "glmocr",
    step: "tokenizer.ggml.pre chatglm-bpe",
    undo: setKey("tokenizer.ggml.pre", "string", "llama-bpe"),
    effect: "prompt",
  },
  {
    arch: "glmocr",
    step: "rope.dimension_sections from mrope_section",
    undo: unset("glm4.rope.dimension_sections"),
    effect: "ids",
  },
  { arch: "glmocr", step: "attn_out → attn_output", undo: renameBack(/\.attn_output\./, ".attn_out."), effect: "load" },
  {
    arch: "glmocr",
    step: "gate and up fused",
    undo: (t) => {
      for (const x of t.header.tensors) {
        if (x.produce && x.name.endsWith(".ffn_up.weight")) {
          x.produce = undefined;
          x.shape = [x.shape[0], x.shape[1] / 2];
          x.size /= 2;
        }
      }
    },
    effect: "load",
  },
  // glm4moelite without head_count_kv 1 loads, then fails a ggml assert at the first decode, which ends the whole
  // process (seen in a child process): it cannot be one of these in-process cases
  {
    arch: "glm4moelite",
    step: "key_length_mla per head",
    undo: setKey("deepseek2.attention.key_length_mla", "uint32", 48),
    effect: "load",
  },
  {
    arch: "glm4moelite",
    step: "eot/eom from eos_token_ids",
    undo: (t) => ["eot", "eom"].forEach((k) => t.header.metadata.delete(`tokenizer.ggml.${k}_token_id`)),
    effect: "none",
  },
  { arch: "laguna", step: "rope.freq_base_swa", undo: unset("laguna.rope.freq_base_swa"), effect: "logits" },
  { arch: "laguna", step: "rope.dimension_count_swa", undo: unset("laguna.rope.dimension_count_swa"), effect: "ids" },
  { arch: "laguna", step: "attn_g → attn_gate", undo: renameBack(/\.attn_gate\./, ".attn_g."), effect: "load" },
];

test(
  "compat qwen/glm: the fixtures exercise each translation step (skipping it fails the load or changes the output)",
  {
    skip,
    timeout: 600_000,
  },
  async () => {
    const dir = join(home, "skipped");
    await mkdir(dir, { recursive: true });
    const seen: string[] = [];
    const twins = new Map<QwenGlmArch, Awaited<ReturnType<typeof greedy>>>();
    for (const [i, { arch, step, undo, effect }] of SKIPPED.filter((s) => BUILT_ARCHS.includes(s.arch)).entries()) {
      const pair = await qwenGlmPair(arch);
      const translation = translateHeader(await readGguf(pair.ollama))!;
      undo(translation);
      for (const key of MARKERS) translation.header.metadata.delete(key);
      const path = join(dir, `${arch}-${i}.gguf`);
      await writeDerivedFile(translation, pair.ollama, path);
      if (!twins.has(arch)) twins.set(arch, await greedy(pair.llamaCpp));
      const twin = twins.get(arch)!;
      let observed: SkippedStep["effect"];
      if (await bareError(path)) observed = "load";
      else {
        const got = await greedy(path);
        observed = JSON.stringify(got.promptTokens) !== JSON.stringify(twin.promptTokens)
          ? "prompt"
          : JSON.stringify(got.tokens) !== JSON.stringify(twin.tokens)
          ? "ids"
          : got.logprobs.some((x, j) => Math.abs(x - twin.logprobs[j]) >= 1e-5)
          ? "logits"
          : "none";
      }
      seen.push(`${arch} without ${step}: ${observed} (expected ${effect})`);
    }
    console.log(seen.join("\n"));
    assert.deepEqual(seen.filter((line) => !/: (\w+) \(expected \1\)$/.test(line)), []);
  },
);
