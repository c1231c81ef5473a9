// Modelfile ADAPTER (GGUF LoRA) end to end: seeded LoRAs for the tiny-spm fixture (tests/fixtures/lora.ts) are
// uploaded and created through the real HTTP API and the CLI, validated on create (a full model, another
// architecture, shapes that do not fit: 400 naming what is wrong), shown by /api/show and `show --modelfile`,
// and applied when the model runs: the greedy output differs from the base and equals what libllama's own C API
// makes of the same base + adapters (tests/helpers/lora_check.c). Models with and without adapters alternate on
// one server and each keeps its own output (no shared runner or KV cache).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel } from "../src/engine/mod.ts";
import { fixtureModel, fixtureSkip, LLAMA_CPP_DIR } from "./fixtures/mod.ts";
import { writeFixtureLora } from "./fixtures/lora.ts";
import { runCliProcess } from "./helpers/cli.ts";
import { postJson, startTestServer, type TestServer, uploadBlob } from "./helpers/server.ts";
import { compileCheck } from "./helpers/compile_check.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const LIB_DIR = join(ROOT, "lib");
const PROMPT = "The quick brown fox";
const N_GEN = 12;
const OPTIONS = { temperature: 0, num_predict: N_GEN, num_thread: 1, seed: 1 };

const libs = existsSync(LIB_DIR)
  ? [/^libllama\.v[\d.]+\.so$/, /^libggml\.v[\d.]+\.so$/, /^libggml-base\.so$/].map((p) => readdirSync(LIB_DIR).find((f) => p.test(f)))
  : [];
function skipReason(): string | false {
  const fixture = fixtureSkip("tiny-spm");
  if (fixture) return fixture;
  if (spawnSync("cc", ["--version"]).status !== 0) return "no C compiler (cc) to build the LoRA reference program";
  if (libs.length === 0 || libs.some((l) => !l)) return `libllama/libggml not found in ${LIB_DIR}`;
  if (!existsSync(join(LLAMA_CPP_DIR, "include", "llama.h"))) return `llama.h not found under ${LLAMA_CPP_DIR}`;
  return false;
}
const skip = skipReason();

/** tests/helpers/lora_check.c, compiled once per source version into the fixture cache. */
function loraCheck(): Promise<string> {
  return compileCheck("lora_check", libs);
}

/** What libllama's C API generates greedily for the base + adapters: token ids and text. */
async function native(base: string, adapters: string[]): Promise<{ ids: number[]; text: string }> {
  const run = spawnSync(await loraCheck(), [LIB_DIR, base, PROMPT, String(N_GEN), ...adapters], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `lora_check failed:\n${run.stderr}`);
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(run.stdout)?.[1] ?? "";
  const ids = value("generated").split(" ").filter(Boolean).map(Number);
  assert.ok(ids.length > 0, `lora_check generated nothing:\n${run.stdout}`);
  return { ids, text: Buffer.from(value("text_hex"), "hex").toString("utf8") };
}

interface Files {
  dir: string;
  base: string;
  lora: string;
  lora2: string;
}

async function withFiles(fn: (files: Files) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-adapter-"));
  try {
    const base = await fixtureModel("tiny-spm");
    const lora = join(dir, "lora.gguf");
    const lora2 = join(dir, "lora2.gguf");
    await writeFixtureLora(lora, base, { seed: 7 });
    await writeFixtureLora(lora2, base, { seed: 8, targets: ["attn_k", "ffn_gate"] });
    await fn({ dir, base, lora, lora2 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function create(server: TestServer, request: Record<string, unknown>): Promise<void> {
  const { status, json } = await postJson(server, "/api/create", { ...request, stream: false });
  assert.equal(status, 200, `create ${request.model}: ${JSON.stringify(json)}`);
  assert.equal(json.status, "success");
}

async function generate(server: TestServer, model: string): Promise<string> {
  const { status, json } = await postJson(server, "/api/generate", { model, prompt: PROMPT, raw: true, stream: false, options: OPTIONS });
  assert.equal(status, 200, `generate ${model}: ${JSON.stringify(json)}`);
  assert.ok(json.eval_count > 0, `${model} generated nothing`);
  return json.response;
}

test("loadModel() with adapters generates what libllama's C API does; a LoRA that does not fit fails the load", { skip, timeout: 300_000 }, async () => {
  await withFiles(async ({ dir, base, lora, lora2 }) => {
    const expected = await native(base, [lora, lora2]);
    const model = await loadModel(base, { numCtx: 256, numThread: 1, adapters: [lora, lora2] });
    try {
      const result = await model.complete(PROMPT, { raw: true, options: OPTIONS });
      assert.deepEqual(result.tokens, expected.ids);
      assert.equal(result.text, expected.text);
    } finally {
      await model.close();
    }

    // A LoRA libllama refuses fails the load with its ModelLoadError (the create check stops it before that).
    const bad = join(dir, "bad.gguf");
    await writeFixtureLora(bad, base, { shapeOffset: 1 });
    await assert.rejects(loadModel(base, { numCtx: 256, numThread: 1, adapters: [lora, bad] }), (error: Error) => {
      assert.equal(error.name, "ModelLoadError");
      assert.match(error.message, /libllama refused the LoRA adapter .*bad\.gguf/);
      return true;
    });
  });
});

test("ADAPTER over HTTP: output differs from the base, equals libllama's own; models alternate on one server", { skip, timeout: 600_000 }, async () => {
  await withFiles(async ({ base, lora, lora2 }) => {
    const [wantBase, wantOne, wantTwo] = [await native(base, []), await native(base, [lora]), await native(base, [lora, lora2])];
    assert.notDeepEqual(wantOne.ids, wantBase.ids, "the LoRA changes libllama's greedy output");
    assert.notDeepEqual(wantTwo.ids, wantOne.ids, "the second LoRA changes it again");

    await using server = await startTestServer();
    const [baseDigest, loraDigest, lora2Digest] = [await uploadBlob(server, base), await uploadBlob(server, lora), await uploadBlob(server, lora2)];
    await create(server, { model: "base", files: { "base.gguf": baseDigest } });
    await create(server, { model: "tuned", files: { "base.gguf": baseDigest }, adapters: { "lora.gguf": loraDigest } });
    await create(server, { model: "tuned2", from: "tuned", adapters: { "lora2.gguf": lora2Digest } });

    // Alternating: each model keeps its own output, the same every time (no runner, KV or prefix cache shared).
    for (let round = 0; round < 2; round++) {
      assert.equal(await generate(server, "base"), wantBase.text, `base, round ${round}`);
      assert.equal(await generate(server, "tuned"), wantOne.text, `tuned, round ${round}`);
      assert.equal(await generate(server, "tuned2"), wantTwo.text, `tuned2, round ${round}`);
    }
    const ps = await (await fetch(`${server.url}/api/ps`)).json() as { models: Array<{ name: string }> };
    assert.deepEqual(ps.models.map((m) => m.name).sort(), ["base:latest", "tuned2:latest", "tuned:latest"]);

    // /api/show: the ADAPTER lines with the blob paths, as Ollama prints them.
    const shown = await postJson(server, "/api/show", { model: "tuned2" });
    assert.equal(shown.status, 200);
    const adapterLines = (shown.json.modelfile as string).split("\n").filter((line) => line.startsWith("ADAPTER "));
    assert.deepEqual(adapterLines, [
      `ADAPTER ${server.store.blobPath(loraDigest)}`,
      `ADAPTER ${server.store.blobPath(lora2Digest)}`,
    ]);
    assert.equal(shown.json.details.parent_model, "tuned:latest");
    assert.equal(shown.json.details.family, "llama");
  });
});

test("ADAPTER refused on create: a full model, another architecture, shapes that do not fit (400, nothing left)", { skip, timeout: 300_000 }, async () => {
  await withFiles(async ({ dir, base, lora }) => {
    await using server = await startTestServer();
    const baseDigest = await uploadBlob(server, base);
    const gemma = join(dir, "gemma.gguf");
    await writeFixtureLora(gemma, base, { architecture: "gemma" });
    const wide = join(dir, "wide.gguf");
    await writeFixtureLora(wide, base, { shapeOffset: 3 });
    const cases: Array<[string, string]> = [
      [base, "invalid adapter a.gguf: it is a full model, not a LoRA adapter (use it with FROM)"],
      [gemma, 'invalid adapter a.gguf: it is for architecture "gemma", but the base model is "llama"'],
      [wide, 'invalid adapter a.gguf: tensor "blk.0.attn_q.weight" is [64 64] in the base model, but the adapter\'s lora_a is [64 4] and lora_b [4 67]'],
    ];
    for (const [file, message] of cases) {
      const digest = await uploadBlob(server, file);
      const { status, json } = await postJson(server, "/api/create", {
        model: "bad",
        files: { "base.gguf": baseDigest },
        adapters: { "a.gguf": digest },
        stream: false,
      });
      assert.deepEqual({ status, json }, { status: 400, json: { error: message } });
    }
    // An adapter alone is not a model.
    const alone = await postJson(server, "/api/create", { model: "bad", files: { "lora.gguf": await uploadBlob(server, lora) }, stream: false });
    assert.deepEqual(alone, {
      status: 400,
      json: { error: "adapter lora.gguf needs a base model: FROM the model it was trained for, then ADAPTER lora.gguf" },
    });
    const tags = await (await fetch(`${server.url}/api/tags`)).json() as { models: unknown[] };
    assert.deepEqual(tags.models, []);
  });
});

test("tollama create with ADAPTER lines, show --modelfile prints them, and the model runs with them", { skip, timeout: 300_000 }, async () => {
  await withFiles(async ({ dir, base, lora, lora2 }) => {
    const want = await native(base, [lora, lora2]);
    await using server = await startTestServer();
    const home = join(dir, "home");
    await mkdir(home);
    await writeFile(join(dir, "base.gguf"), await readFile(base));
    await writeFile(join(dir, "Modelfile"), "FROM ./base.gguf\nADAPTER ./lora.gguf\nADAPTER ./lora2.gguf\n");
    const env = { OLLAMA_HOST: server.url, HOME: home };
    const created = await runCliProcess(["create", "cli-tuned"], { cwd: dir, env, timeoutMs: 120_000 });
    assert.equal(created.code, 0, created.stderr);

    const shown = await runCliProcess(["show", "cli-tuned", "--modelfile"], { env });
    assert.equal(shown.code, 0, shown.stderr);
    const digest = async (path: string) => `sha256:${createHash("sha256").update(await readFile(path)).digest("hex")}`;
    assert.deepEqual(shown.stdout.split("\n").filter((line) => line.startsWith("ADAPTER ")), [
      `ADAPTER ${server.store.blobPath(await digest(lora))}`,
      `ADAPTER ${server.store.blobPath(await digest(lora2))}`,
    ]);
    assert.equal(await generate(server, "cli-tuned"), want.text);

    // A full model given as ADAPTER: the CLI prints the server's error and exits 1.
    await writeFile(join(dir, "Bad"), "FROM ./base.gguf\nADAPTER ./base.gguf\n");
    const bad = await runCliProcess(["create", "cli-bad", "-f", join(dir, "Bad")], { cwd: dir, env, timeoutMs: 120_000 });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Error: invalid adapter base\.gguf: it is a full model, not a LoRA adapter \(use it with FROM\)\n$/);
  });
});
