// Published-Ollama GGUFs (src/compat/): for each architecture, the published layout fails (or mis-tokenizes) on a
// bare libllama load, and through tollama — the library face and /api/generate — gives the same prompt tokens and
// greedy ids as its llama.cpp-layout twin with the same tensor bytes. Plus the paths that must not change.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { CompatError, compatModelPath, type Translation, translateHeader, writeDerivedFile } from "../src/compat/mod.ts";
import { readGguf } from "../src/gguf/mod.ts";
import { loadModel } from "../src/engine/mod.ts";
import { Llama, Model, ModelLoadError, watchLog } from "../src/llama/mod.ts";
import { COMPAT_ARCHS, compatPair, compatPairSkip, writeEditedOllama } from "./fixtures/compat_pairs.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";

const skip = compatPairSkip();
/** Digits, contractions, CamelCase and repeated spaces: a wrong pre-tokenizer splits these differently. */
const PROMPT = "Hello  world, it's 12345 CamelCaseWords   and   you're  2024 don't";
const GREEDY = { temperature: 0, num_predict: 8, seed: 1 };
/** What stock libllama says for each published layout (ollama-compat.md's table); llama loads and mis-tokenizes. */
const BARE_ERRORS: Record<string, RegExp | undefined> = {
  llama: undefined,
  gptoss: /unknown model architecture: 'gptoss'/,
  gemma3: /key not found in model: gemma3\.attention\.layer_norm_rms_epsilon/,
  mistral3: /wrong number of tensors; expected 24, got 20/,
  lfm2: /tensor 'token_embd_norm\.weight' not found/,
  olmo3: /unknown model architecture: 'olmo3'/,
  qwen3vl: /key not found in model: qwen3vl\.rope\.dimension_sections/,
};

let server: TestServer;
let home: string;
const savedModels = process.env.OLLAMA_MODELS;

before(async () => {
  if (skip) return;
  // translations of files outside a store go to OLLAMA_MODELS/compat: keep them in a temp dir
  home = await mkdtemp(join(tmpdir(), "tollama-compat-"));
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

/** A load on a bare libllama (no translation): its error, or its prompt tokens and EOS. */
async function bareLoad(path: string): Promise<{ error?: string; promptTokens?: number[]; eos?: number }> {
  const llama = await Llama.open();
  try {
    using model = Model.load(llama, path);
    return { promptTokens: model.vocab.tokenize(PROMPT), eos: model.vocab.eos };
  } catch (error) {
    assert.ok(error instanceof ModelLoadError, String(error));
    return { error: String(error) };
  }
}

/** Greedy generation through the engine; `logprobs` (each step's log-probabilities) shows changes too small for argmax. */
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

async function httpGenerate(model: string): Promise<{ response: string; prompt_eval_count: number; eval_count: number }> {
  const res = await fetch(`${server.url}/api/generate`, {
    method: "POST",
    body: JSON.stringify({ model, prompt: PROMPT, raw: true, stream: false, options: GREEDY }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

for (const arch of COMPAT_ARCHS) {
  test(`compat ${arch}: published layout ${BARE_ERRORS[arch] ? "fails" : "mis-tokenizes"} bare, matches its llama.cpp twin through tollama`, {
    skip,
    timeout: 300_000,
  }, async () => {
    const pair = await compatPair(arch);
    const bare = await bareLoad(pair.ollama);
    const twin = await greedy(pair.llamaCpp);
    if (BARE_ERRORS[arch]) {
      assert.ok(bare.error, "the published layout must not load on a bare libllama");
    } else {
      // Llama 3 gap: libllama loads it with the default pre-tokenizer and EOS <|end_of_text|>
      assert.notDeepEqual(bare.promptTokens, twin.promptTokens);
      assert.equal(bare.eos, 128001);
      const fixed = await bareLoad(await compatModelPath(pair.ollama));
      assert.deepEqual(fixed.promptTokens, twin.promptTokens);
      assert.equal(fixed.eos, 128009);
    }
    const translated = await greedy(pair.ollama);
    assert.equal(twin.tokens.length, 8);
    assert.deepEqual(translated.promptTokens, twin.promptTokens);
    assert.deepEqual(translated.tokens, twin.tokens);
    // The same bytes give the same numbers, to float rounding: the published file loads by llama_model_init_from_user,
    // which keeps the CPU's repacked weight layouts off, so a Q8_0 matrix the twin's mmap load repacks (the llama
    // fixture's 128256-row output) sums in another order (~1e-7 apart).
    assert.equal(translated.logprobs.length, twin.logprobs.length);
    translated.logprobs.forEach((x, i) => assert.ok(Math.abs(x - twin.logprobs[i]) < 1e-5, `logprob ${i}: ${x} vs ${twin.logprobs[i]}`));

    const viaHttp = await httpGenerate(`${arch}-ollama`);
    const twinHttp = await httpGenerate(`${arch}-llamacpp`);
    assert.equal(viaHttp.response, twinHttp.response);
    assert.equal(viaHttp.response, twin.text);
    assert.equal(viaHttp.prompt_eval_count, twinHttp.prompt_eval_count);
    assert.equal(viaHttp.eval_count, 8);
  });
}

test("compat: the stock libllama's own words for each published layout (ollama-compat.md's table)", { skip, timeout: 120_000 }, async () => {
  // libllama logs the reason and returns NULL: each published file must fail for the reason the table gives
  for (const arch of COMPAT_ARCHS) {
    const want = BARE_ERRORS[arch];
    if (!want) continue;
    const lines: string[] = [];
    const stop = watchLog((line) => lines.push(line));
    try {
      await bareLoad((await compatPair(arch)).ollama);
      // Bun delivers libllama's log lines through a thread-safe callback, on a later turn of the event loop
      for (let i = 0; i < 100 && !want.test(lines.join("")); i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      stop();
    }
    assert.match(lines.join(""), want, `${arch}: ${lines.join("").slice(-300)}`);
  }
});

test("compatModelPath() gives a file without a marker back as it is, and a translation once (cached)", { skip }, async () => {
  const pair = await compatPair("olmo3");
  const cacheDir = join(home, "cache-once");
  assert.equal(await compatModelPath(pair.llamaCpp, { cacheDir }), pair.llamaCpp);
  const [a, b] = await Promise.all([compatModelPath(pair.ollama, { cacheDir }), compatModelPath(pair.ollama, { cacheDir })]);
  assert.equal(a, b);
  assert.notEqual(a, pair.ollama);
  assert.match(a, /\.olmo3\.v\d+\.gguf$/);
  const first = await stat(a);
  assert.equal(await compatModelPath(pair.ollama, { cacheDir }), a);
  assert.equal((await stat(a)).mtimeMs, first.mtimeMs, "the translation is reused, not written again");
  assert.deepEqual((await readdir(cacheDir)).filter((n) => n.endsWith(".tmp")), []);
  // not a GGUF, or missing: today's path says why
  assert.equal(await compatModelPath(join(home, "missing.gguf"), { cacheDir }), join(home, "missing.gguf"));
});

test("compat: published blobs load with no copy on disk (nothing under compat/ beside blobs/)", { skip }, async () => {
  // the tests above loaded every published blob over HTTP (the library-face loads of fixture files would write to
  // OLLAMA_MODELS/compat on the derived-file route)
  assert.deepEqual(await readdir(join(server.dir, "compat")).catch(() => []), []);
});

test("compat: malformed published files are refused with the architecture and the problem, over HTTP too", { skip, timeout: 120_000 }, async () => {
  const dir = join(home, "malformed");
  const cases = [
    {
      arch: "gptoss" as const,
      edit: (s: { tensors: Array<{ name: string }> }) => void (s.tensors = s.tensors.filter((t) => t.name !== "blk.0.ffn_gate_exps.weight")),
      problem: /Ollama-layout gptoss model cannot be translated: tensor 'blk\.0\.ffn_gate_exps\.weight' is missing/,
    },
    {
      arch: "lfm2" as const,
      edit: (s: { tensors: Array<{ name: string }> }) => void (s.tensors = s.tensors.filter((t) => t.name !== "blk.0.ffn_gate.weight")),
      problem: /Ollama-layout lfm2 model cannot be translated: tensor 'blk\.0\.ffn_gate\.weight' is missing/,
    },
  ];
  await mkdir(dir, { recursive: true });
  for (const { arch, edit, problem } of cases) {
    const path = join(dir, `${arch}.gguf`);
    await writeEditedOllama(arch, path, edit);
    await assert.rejects(loadModel(path, { numCtx: 256, probe: false }), (error: unknown) => {
      assert.ok(error instanceof CompatError);
      assert.match(error.message, problem);
      return true;
    });
    await installGguf(server.store, `bad-${arch}:latest`, path);
    const res = await fetch(`${server.url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({ model: `bad-${arch}`, prompt: "hi", raw: true, stream: false }),
    });
    assert.equal(res.status, 500);
    assert.match((await res.json()).error, problem);
  }
  // a published file cut short: the header parser refuses it before any marker is read, and the load says why
  const cut = join(dir, "cut.gguf");
  await copyFile((await compatPair("gemma3")).ollama, cut);
  await truncate(cut, (await stat(cut)).size - 4096);
  await assert.rejects(loadModel(cut, { numCtx: 256, probe: false }), /past the end of the file|could not read|failed/);
  // the server still answers
  assert.equal((await httpGenerate("olmo3-ollama")).eval_count, 8);
});

/** One translation step undone on a finished translation, and what the table says skipping it does. */
interface SkippedStep {
  arch: (typeof COMPAT_ARCHS)[number];
  step: string;
  undo: (t: Translation) => void;
  /** load fails; prompt tokens differ; greedy ids differ; same ids but other log-probabilities; no change. */
  effect: "load" | "prompt" | "ids" | "logits" | "none";
}

const unset = (key: string) => (t: Translation) => void t.header.metadata.delete(key);
const rename = (from: string, to: string) => (t: Translation) => {
  for (const x of t.header.tensors) x.name = x.name.replace(from, to);
};
const MISTRAL3_OLLAMA_KEYS = ["beta_fast", "beta_slow", "mscale_all_dim"].map((k) => `mistral3.rope.scaling.${k}`)
  .concat("mistral3.rope.scaling_beta");
const SKIPPED: SkippedStep[] = [
  { arch: "gptoss", step: "expert_feed_forward_length", undo: unset("gpt-oss.expert_feed_forward_length"), effect: "load" },
  { arch: "gptoss", step: "rope.scaling.type yarn", undo: unset("gpt-oss.rope.scaling.type"), effect: "logits" },
  { arch: "gptoss", step: "tokenizer.ggml.pre gpt-4o", undo: unset("tokenizer.ggml.pre"), effect: "prompt" },
  { arch: "gptoss", step: "attn_out → attn_output", undo: rename(".attn_output.", ".attn_out."), effect: "load" },
  { arch: "gptoss", step: "attn_sinks → attn_sinks.weight", undo: rename(".attn_sinks.weight", ".attn_sinks"), effect: "load" },
  { arch: "gptoss", step: "ffn_norm → post_attention_norm", undo: rename(".post_attention_norm.", ".ffn_norm."), effect: "load" },
  {
    arch: "lfm2",
    step: "feed_forward_length from ffn_gate",
    undo: (t) => void t.header.metadata.set("lfm2.feed_forward_length", { type: "uint32", value: 192 }),
    effect: "load",
  },
  { arch: "gemma3", step: "layer_norm_rms_epsilon", undo: unset("gemma3.attention.layer_norm_rms_epsilon"), effect: "load" },
  { arch: "gemma3", step: "rope.freq_base 1e6", undo: unset("gemma3.rope.freq_base"), effect: "ids" },
  {
    arch: "gemma3",
    step: "rope.scaling linear x8",
    undo: (t) => ["type", "factor"].forEach((k) => t.header.metadata.delete(`gemma3.rope.scaling.${k}`)),
    effect: "ids",
  },
  // beta_fast only moves the YaRN ramp's high-frequency end, which this model's 16 rotary dims never reach
  { arch: "mistral3", step: "yarn_beta_fast", undo: unset("mistral3.rope.scaling.yarn_beta_fast"), effect: "none" },
  { arch: "mistral3", step: "yarn_log_multiplier", undo: unset("mistral3.rope.scaling.yarn_log_multiplier"), effect: "ids" },
  {
    arch: "mistral3",
    step: "attention.temperature_scale",
    undo: unset("mistral3.attention.temperature_scale"),
    effect: "logits",
  },
  { arch: "mistral3", step: "tokenizer.ggml.pre tekken", undo: unset("tokenizer.ggml.pre"), effect: "prompt" },
  { arch: "lfm2", step: "tokenizer.ggml.pre lfm2", undo: unset("tokenizer.ggml.pre"), effect: "prompt" },
  { arch: "qwen3vl", step: "n_deepstack_layers", undo: unset("qwen3vl.n_deepstack_layers"), effect: "none" },
];

test("compat: the fixtures exercise each translation step (skipping it fails the load or changes the output)", {
  skip,
  timeout: 600_000,
}, async () => {
  const dir = join(home, "skipped");
  await mkdir(dir, { recursive: true });
  const seen: string[] = [];
  for (const [i, { arch, step, undo, effect }] of SKIPPED.entries()) {
    const pair = await compatPair(arch);
    const translation = translateHeader(await readGguf(pair.ollama))!;
    undo(translation);
    // keys llama.cpp never reads but that would make the derived file look published again (the Llama 3 gap's
    // marker is the missing pre-tokenizer itself: the main test covers it with a bare load)
    for (const key of ["gemma3.mm.tokens_per_image", ...MISTRAL3_OLLAMA_KEYS]) translation.header.metadata.delete(key);
    const path = join(dir, `${arch}-${i}.gguf`);
    await writeDerivedFile(translation, pair.ollama, path);
    const twin = await greedy(pair.llamaCpp);
    let observed: SkippedStep["effect"];
    if ((await bareLoad(path)).error) observed = "load";
    else {
      const got = await greedy(path);
      observed = JSON.stringify(got.promptTokens) !== JSON.stringify(twin.promptTokens)
        ? "prompt"
        : JSON.stringify(got.tokens) !== JSON.stringify(twin.tokens)
        ? "ids"
        : JSON.stringify(got.logprobs) !== JSON.stringify(twin.logprobs)
        ? "logits"
        : "none";
    }
    seen.push(`${arch} without ${step}: ${observed} (expected ${effect})`);
  }
  console.log(seen.join("\n"));
  assert.deepEqual(seen.filter((line) => !/: (\w+) \(expected \1\)$/.test(line)), []);
});
