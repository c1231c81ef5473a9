// Published-Ollama GGUFs (src/compat/): for each architecture, the published layout fails (or mis-tokenizes) on a
// bare libllama load, and through tollama — the library face and /api/generate — gives the same prompt tokens and
// greedy ids as its llama.cpp-layout twin with the same tensor bytes. Plus the paths that must not change.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readdir, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { CompatError, compatModelPath } from "../src/compat/mod.ts";
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

async function greedy(path: string) {
  const model = await loadModel(path, { numCtx: 256, numThread: 1, probe: false });
  try {
    const r = await model.complete(PROMPT, { raw: true, options: GREEDY });
    return { tokens: r.tokens, promptTokens: r.promptTokens, text: r.text };
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

test("compat: a store blob's translation sits in compat/ beside blobs/, keyed by its digest", { skip }, async () => {
  const blobs = join(server.dir, "blobs");
  const translated = (await readdir(join(server.dir, "compat")).catch(() => [])) as string[];
  const digests = new Set(await readdir(blobs));
  assert.ok(translated.length >= COMPAT_ARCHS.length, translated.join());
  for (const name of translated) assert.ok(digests.has(name.split(".")[0]), name);
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
  await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
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
