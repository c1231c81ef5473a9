// Published-Ollama GGUFs of the gemma3n, gemma4, embeddinggemma, bert (Snowflake) and nemotron_h families
// (src/compat/): each published layout fails on a bare libllama load, and through tollama — the engine and the
// HTTP API — gives the same greedy ids (or embeddings) as its llama.cpp-layout twin; malformed files are refused
// with the architecture named, and the server stays up.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { CompatError, type Translation, translateHeader, writeDerivedFile } from "../src/compat/mod.ts";
import { readGguf } from "../src/gguf/mod.ts";
import { loadModel } from "../src/engine/mod.ts";
import { Llama, Model, ModelLoadError, watchLog } from "../src/llama/mod.ts";
import {
  EMBEDDING_ARCHS,
  FAMILY_OF,
  GB_ARCHS,
  type GbArch,
  gbPair,
  gbPairSkip,
  writeEditedGb,
} from "./fixtures/compat_pairs_gemma_bert.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";

const skip = gbPairSkip();
/** Digits, contractions, CamelCase and repeated spaces: a wrong pre-tokenizer splits these differently. */
const PROMPT = "Hello  world, it's 12345 CamelCaseWords   and   you're  2024 don't";
const GREEDY = { temperature: 0, num_predict: 8, seed: 1 };
/** What stock libllama says for each published layout. */
const BARE_ERRORS: Record<GbArch, RegExp> = {
  gemma3n: /tensor 'per_layer_token_embd\.weight' has wrong shape/,
  gemma4: /wrong number of tensors/,
  gemma4moe: /wrong number of tensors/,
  embeddinggemma: /wrong number of tensors|'output_norm\.weight' not found/,
  nemotron_h_moe: /tensor 'blk\.2\.ffn_down_exps\.weight' has wrong shape/,
  nemotron_h_omni: /unknown model architecture: 'nemotron_h_omni'/,
  bert: /invalid gguf type for tokenizer\.ggml\.precompiled_charsmap/,
};
const GENERATIVE = GB_ARCHS.filter((arch) => !EMBEDDING_ARCHS.includes(arch));

let server: TestServer;
let home: string;
const savedModels = process.env.OLLAMA_MODELS;

before(async () => {
  if (skip) return;
  home = await mkdtemp(join(tmpdir(), "tollama-compat-gb-"));
  process.env.OLLAMA_MODELS = join(home, "models");
  server = await startTestServer();
  for (const arch of GB_ARCHS) {
    const pair = await gbPair(arch);
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

/** A load on a bare libllama (no translation): the log lines of its refusal. */
async function bareError(path: string, want: RegExp): Promise<string> {
  const llama = await Llama.open();
  const lines: string[] = [];
  const stop = watchLog((line) => lines.push(line));
  try {
    using _model = Model.load(llama, path);
    return "";
  } catch (error) {
    assert.ok(error instanceof ModelLoadError, String(error));
    // Bun delivers libllama's log lines through a thread-safe callback, on a later turn of the event loop
    for (let i = 0; i < 100 && !want.test(lines.join("")); i++) await new Promise((r) => setTimeout(r, 10));
    return lines.join("");
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

/** Equal lengths, and each value within 1e-5 of the other's. */
function assertClose(got: number[], want: number[]): void {
  assert.equal(got.length, want.length);
  got.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-5, `value ${i}: ${x} vs ${want[i]}`));
}

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

for (const arch of GENERATIVE) {
  test(`compat ${arch}: published layout fails bare, matches its llama.cpp twin through tollama`, { skip, timeout: 300_000 }, async () => {
    const pair = await gbPair(arch);
    assert.match(await bareError(pair.ollama, BARE_ERRORS[arch]), BARE_ERRORS[arch]);
    const twin = await greedy(pair.llamaCpp);
    const translated = await greedy(pair.ollama);
    assert.equal(twin.tokens.length, 8);
    assert.deepEqual(translated.promptTokens, twin.promptTokens);
    assert.deepEqual(translated.tokens, twin.tokens);
    // the same bytes give the same numbers, to float rounding: the published file loads into libllama's own buffers
    // (no mmap), where the CPU backend may repack a Q8_0 matrix and sum in another order
    assertClose(translated.logprobs, twin.logprobs);

    const request = (model: string) => post("/api/generate", { model, prompt: PROMPT, raw: true, stream: false, options: GREEDY });
    const [viaHttp, twinHttp] = [await request(`${arch}-ollama`), await request(`${arch}-llamacpp`)];
    assert.equal(viaHttp.status, 200, JSON.stringify(viaHttp.body));
    assert.equal(viaHttp.body.response, twinHttp.body.response);
    assert.equal(viaHttp.body.response, twin.text);
    assert.equal(viaHttp.body.prompt_eval_count, twinHttp.body.prompt_eval_count);
  });
}

for (const arch of EMBEDDING_ARCHS) {
  test(`compat ${arch}: published layout fails bare, embeds like its llama.cpp twin through tollama`, { skip, timeout: 300_000 }, async () => {
    const pair = await gbPair(arch);
    assert.match(await bareError(pair.ollama, BARE_ERRORS[arch]), BARE_ERRORS[arch]);
    const inputs = [PROMPT, "The quick brown fox"];
    const embed = async (path: string) => {
      const model = await loadModel(path, { numCtx: 256, numThread: 1, probe: false });
      try {
        return await model.embed(inputs);
      } finally {
        await model.close();
      }
    };
    const twin = await embed(pair.llamaCpp);
    const translated = await embed(pair.ollama);
    assert.equal(twin.length, 2);
    assert.ok(twin[0].length > 0 && twin[0].some((x) => x !== 0));
    assert.notDeepEqual(twin[0], twin[1]);
    assert.equal(translated.length, twin.length);
    translated.forEach((vector, i) => assertClose(vector, twin[i]));

    const request = (model: string) => post("/api/embed", { model, input: inputs });
    const [viaHttp, twinHttp] = [await request(`${arch}-ollama`), await request(`${arch}-llamacpp`)];
    assert.equal(viaHttp.status, 200, JSON.stringify(viaHttp.body));
    const [got, want] = [viaHttp.body.embeddings as number[][], twinHttp.body.embeddings as number[][]];
    assert.equal(got.length, 2);
    got.forEach((vector, i) => assertClose(vector, want[i]));
  });
}

/** Malformed published files: the engine and the API name the architecture and the problem. */
const MALFORMED: Array<{ arch: GbArch; what: string; edit: (s: { tensors: Array<{ name: string; shape: number[] }> }) => void; problem: RegExp }> = [
  {
    arch: "gemma3n",
    what: "token_embd shorter than the per-layer vocabulary",
    edit: (s) => void (s.tensors.find((t) => t.name === "token_embd.weight")!.shape[1] = 1000),
    problem: /token_embd\.weight has 1000 rows, fewer than the \d+ of per_layer_token_embd\.weight/,
  },
  {
    arch: "gemma4moe",
    what: "an up stack without its gate",
    edit: (s) => void (s.tensors = s.tensors.filter((t) => t.name !== "blk.0.ffn_gate_exps.weight")),
    problem: /tensor 'blk\.0\.ffn_gate_exps\.weight' is missing/,
  },
  {
    arch: "gemma4moe",
    what: "gate and up of different shapes",
    edit: (s) => void (s.tensors.find((t) => t.name === "blk.1.ffn_up_exps.weight")!.shape = [64, 16, 4]),
    problem: /blk\.1\.ffn_gate_exps\.weight has shape \[64,32,4\], blk\.1\.ffn_up_exps\.weight \[64,16,4\]/,
  },
  {
    arch: "nemotron_h_moe",
    what: "a latent projection without its way back",
    edit: (s) => void (s.tensors = s.tensors.filter((t) => t.name !== "blk.2.ffn_latent_out.weight")),
    problem: /tensor 'blk\.2\.ffn_latent_out\.weight' is missing/,
  },
  {
    arch: "bert",
    what: "a charsmap entry of two characters",
    edit: (s) => {
      const spec = s as unknown as { metadata: Map<string, { type: string; value: unknown }> };
      const chars = spec.metadata.get("tokenizer.ggml.precompiled_charsmap")!.value as string[];
      spec.metadata.set("tokenizer.ggml.precompiled_charsmap", { type: "array<string>", value: ["AB", ...chars.slice(1)] });
    },
    problem: /tokenizer\.ggml\.precompiled_charsmap entry 0 is "AB", not one base64 character/,
  },
  {
    arch: "embeddinggemma",
    what: "a projection that does not end at embedding_length (libllama would abort)",
    edit: (s) => void (s.tensors.find((t) => t.name === "dense.1.weight")!.shape = [256, 32]),
    problem: /dense\.1\.weight has shape \[256,32\], expected 64 outputs \(embedding_length\)/,
  },
];

test("compat gemma/bert/nemotron: malformed published files are refused with the architecture and the problem, over HTTP too", {
  skip,
  timeout: 300_000,
}, async () => {
  const dir = join(home, "malformed");
  await mkdir(dir, { recursive: true });
  for (const [i, { arch, what, edit, problem }] of MALFORMED.entries()) {
    const path = join(dir, `${arch}-${i}.gguf`);
    await writeEditedGb(arch, path, edit);
    const named = new RegExp(`Ollama-layout ${FAMILY_OF[arch]} model cannot be translated: ${problem.source}`);
    await assert.rejects(loadModel(path, { numCtx: 256, probe: false }), (error: unknown) => {
      assert.ok(error instanceof CompatError, `${what}: ${error}`);
      assert.match(error.message, named, what);
      return true;
    });
    await installGguf(server.store, `bad-${arch}-${i}:latest`, path);
    const model = `bad-${arch}-${i}`;
    const res = EMBEDDING_ARCHS.includes(arch)
      ? await post("/api/embed", { model, input: "hi" })
      : await post("/api/generate", { model, prompt: "hi", raw: true, stream: false });
    assert.equal(res.status, 500, what);
    assert.match(String(res.body.error), named, what);
  }
  // the server still answers
  const ok = await post("/api/generate", { model: "gemma4-ollama", prompt: "hi", raw: true, stream: false, options: GREEDY });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

/** One translation step undone on a finished translation, and what skipping it does on a bare libllama. */
interface SkippedStep {
  arch: GbArch;
  step: string;
  undo: (t: Translation) => void;
  /** load fails; prompt tokens differ from the twin's; nothing visible on a bare load. */
  effect: "load" | "prompt" | "none";
}

const rename = (from: string, to: string) => (t: Translation) => {
  for (const x of t.header.tensors) x.name = x.name.replace(from, to);
};
const SKIPPED: SkippedStep[] = [
  {
    arch: "gemma3n",
    step: "token_embd cut to the per-layer rows",
    undo: (t) => {
      const embd = t.header.tensors.find((x) => x.name === "token_embd.weight")!;
      embd.size = (embd.size / embd.shape[1]) * (embd.shape[1] + 64);
      embd.shape[1] += 64;
    },
    effect: "load",
  },
  // libllama tokenizes Gemma 4's vocabulary alike under either model name (the prompt and control tokens give the
  // same ids here); Ollama flips it for control tokens the model writes, which a random-weight twin does not show
  {
    arch: "gemma4",
    step: "tokenizer.ggml.model gemma4 (BPE)",
    undo: (t) => void t.header.metadata.set("tokenizer.ggml.model", { type: "string", value: "llama" }),
    effect: "none",
  },
  // (gemma4's gate/up interleave has no entry: llama.cpp's gemma4 also takes the split stacks, so the interleave
  // gives llama.cpp's own layout, not other numbers; the unit test checks its bytes against the twin's)
  { arch: "embeddinggemma", step: "dense.0/1 → dense_2/3", undo: rename("dense_2.", "dense.0."), effect: "load" },
  {
    arch: "nemotron_h_moe",
    step: "moe_latent_size",
    undo: (t) => void t.header.metadata.delete("nemotron_h_moe.moe_latent_size"),
    effect: "load",
  },
  { arch: "nemotron_h_moe", step: "ffn_latent_in → ffn_latent_down", undo: rename(".ffn_latent_down.", ".ffn_latent_in."), effect: "load" },
  {
    arch: "nemotron_h_omni",
    step: "architecture nemotron_h_moe",
    undo: (t) => void t.header.metadata.set("general.architecture", { type: "string", value: "nemotron_h_omni" }),
    effect: "load",
  },
  {
    arch: "bert",
    step: "precompiled_charsmap as bytes",
    undo: (t) => {
      const bytes = t.header.metadata.get("tokenizer.ggml.precompiled_charsmap")!.value as number[];
      t.header.metadata.set("tokenizer.ggml.precompiled_charsmap", {
        type: "array<string>",
        value: [...btoa(String.fromCharCode(...bytes))],
      });
    },
    effect: "load",
  },
];

test("compat gemma/bert/nemotron: the fixtures exercise each translation step (skipping it fails the load or changes the prompt)", {
  skip,
  timeout: 300_000,
}, async () => {
  const dir = join(home, "skipped");
  await mkdir(dir, { recursive: true });
  const llama = await Llama.open();
  const tokenize = (path: string): number[] | undefined => {
    try {
      using model = Model.load(llama, path);
      return model.vocab.tokenize(PROMPT);
    } catch (error) {
      assert.ok(error instanceof ModelLoadError, String(error));
      return undefined;
    }
  };
  const seen: string[] = [];
  for (const [i, { arch, step, undo, effect }] of SKIPPED.entries()) {
    const pair = await gbPair(arch);
    const translation = translateHeader(await readGguf(pair.ollama))!;
    undo(translation);
    const path = join(dir, `${arch}-${i}.gguf`);
    await writeDerivedFile(translation, pair.ollama, path);
    const got = tokenize(path);
    const observed = got === undefined ? "load" : JSON.stringify(got) !== JSON.stringify(tokenize(pair.llamaCpp)) ? "prompt" : "none";
    seen.push(`${arch} without ${step}: ${observed} (expected ${effect})`);
  }
  assert.deepEqual(seen.filter((line) => !/: (\w+) \(expected \1\)$/.test(line)), []);
});
