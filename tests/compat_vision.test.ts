// Published-Ollama vision (src/compat/clip_*.ts): a monolithic model file (text and vision tower in one GGUF, as
// Ollama's registry serves gemma3 …) fails as a projector on a bare libmtmd load, and through tollama — created
// from that single blob over the HTTP API — it shows `vision` and answers an image request with the same greedy
// output as libmtmd's own C API gives for its llama.cpp-layout twin (text GGUF + mmproj GGUF with the same bytes).
// A malformed vision part is a clear error naming the architecture, and the server stays up.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { compatProjectorPath } from "../src/compat/mod.ts";
import { compatPairSkip } from "./fixtures/compat_pairs.ts";
import { deepseekocrPair, type VisionArch, visionPair, writeMonolithic } from "./fixtures/compat_pairs_vision.ts";
import { Llama, Model, ModelLoadError } from "../src/llama/mod.ts";
import { MTMD_MARKER, mtmdReference, mtmdSkip } from "./helpers/mtmd_reference.ts";
import { png } from "./helpers/png.ts";
import { installGguf, postJson, startTestServer, type TestServer, uploadBlob } from "./helpers/server.ts";

const MARKER = MTMD_MARKER;
const N_GEN = 10;
const OPTIONS = { temperature: 0, num_predict: N_GEN, num_thread: 1, seed: 1 };
/** Digits, contractions, CamelCase and repeated spaces after the image. */
const PROMPT = "Describe  it: 12345 CamelCaseWords, it's   don't";

const skip = compatPairSkip() || mtmdSkip();

/** What libmtmd's C API makes of a model, a projector, the prompt and the images. */
const native = (model: string, projector: string, prompt: string, images: string[]) =>
  mtmdReference(model, projector, prompt, images, N_GEN);
let server: TestServer;
let dir: string;
let image: string;
let imageBase64: string;
const savedModels = process.env.OLLAMA_MODELS;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tollama-compat-vision-"));
  process.env.OLLAMA_MODELS = join(dir, "models");
  const bytes = png(24, 24, (x, y) => [(x * 10) % 256, (y * 10) % 256, 128]);
  image = join(dir, "a.png");
  await writeFile(image, bytes);
  imageBase64 = Buffer.from(bytes).toString("base64");
  server = await startTestServer();
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
  if (savedModels === undefined) delete process.env.OLLAMA_MODELS;
  else process.env.OLLAMA_MODELS = savedModels;
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Makes model `name` from GGUF files (the first is the model): a single published blob is installed as a pull
 * leaves it (a weights layer and its manifest); a model with a projector is created over the HTTP API.
 */
async function create(name: string, files: string[]): Promise<void> {
  if (files.length === 1) return await installGguf(server.store, `${name}:latest`, files[0]);
  const named: Record<string, string> = {};
  for (const [i, file] of files.entries()) {
    named[i === 0 ? "model.gguf" : "mmproj.gguf"] = await uploadBlob(server, file);
  }
  const { status, json } = await postJson(server, "/api/create", { model: name, files: named, stream: false });
  assert.equal(status, 200, `create ${name}: ${JSON.stringify(json)}`);
}

async function generateWithImage(model: string) {
  return await postJson(server, "/api/generate", {
    model,
    prompt: `[img-0]${PROMPT}`,
    images: [imageBase64],
    raw: true,
    stream: false,
    options: OPTIONS,
  });
}

const ARCHS: VisionArch[] = ["gemma3", "mistral3", "llama4"];

for (const arch of ARCHS) {
  test(
    `${arch} monolithic: refused as a projector by bare libmtmd; through tollama an image gives its twin's greedy output`,
    { skip, timeout: 600_000 },
    async () => {
      const pair = await visionPair(arch);
      const bare = await native(pair.text, pair.monolithic, `${MARKER}${PROMPT}`, [image]);
      assert.notEqual(bare.status, 0, "libmtmd must not take the published vision part as it is");
      const bareText = await native(pair.monolithic, pair.mmproj, `${MARKER}${PROMPT}`, [image]);
      assert.notEqual(bareText.status, 0, "bare libllama refuses the published text side");
      const want = await native(pair.text, pair.mmproj, `${MARKER}${PROMPT}`, [image]);
      assert.equal(want.status, 0, want.stderr);
      assert.ok(want.ids.length > 0);

      await create(`${arch}-mono`, [pair.monolithic]);
      await create(`${arch}-twin`, [pair.text, pair.mmproj]);
      const shown = await postJson(server, "/api/show", { model: `${arch}-mono` });
      assert.ok(shown.json.capabilities.includes("vision"), JSON.stringify(shown.json.capabilities));
      for (const model of [`${arch}-mono`, `${arch}-twin`]) {
        const { status, json } = await generateWithImage(model);
        assert.equal(status, 200, JSON.stringify(json));
        assert.equal(json.response, want.text, `${model}: libmtmd's text on the twin`);
        assert.equal(json.eval_count, want.ids.length);
      }
      // the image changes the output (the projector is really used)
      const text = await postJson(server, "/api/generate", {
        model: `${arch}-mono`,
        prompt: PROMPT,
        raw: true,
        stream: false,
        options: OPTIONS,
      });
      assert.equal(text.status, 200, JSON.stringify(text.json));
      // the text side: the published file's greedy output is its llama.cpp twin's
      await create(`${arch}-twintext`, [pair.text]);
      const twin = await postJson(server, "/api/generate", {
        model: `${arch}-twintext`,
        prompt: PROMPT,
        raw: true,
        stream: false,
        options: OPTIONS,
      });
      assert.equal(twin.status, 200, JSON.stringify(twin.json));
      assert.equal(text.json.response, twin.json.response);
      assert.equal(text.json.eval_count, twin.json.eval_count);
      assert.equal(text.json.prompt_eval_count, twin.json.prompt_eval_count);
    },
  );
}

for (const arch of ["qwen3vl", "qwen25vl"] as const) {
  test(
    `${arch} monolithic: the derived projector runs in libmtmd as its twin does; tollama answers images as the twin`,
    { skip, timeout: 600_000 },
    async () => {
      const pair = await visionPair(arch);
      const prompt = `${MARKER}${PROMPT}`;
      assert.notEqual((await native(pair.text, pair.monolithic, prompt, [image])).status, 0);
      const bare = await native(pair.monolithic, pair.mmproj, prompt, [image]);
      assert.notEqual(bare.status, 0, "bare libllama refuses the published text side");
      const want = await native(pair.text, pair.mmproj, prompt, [image]);
      assert.equal(want.status, 0, want.stderr);
      assert.ok(want.ids.length > 0);
      const derived = await compatProjectorPath(pair.monolithic, { cacheDir: join(dir, "mmproj") });
      assert.ok(derived);
      const got = await native(pair.text, derived, prompt, [image]);
      assert.equal(got.status, 0, got.stderr);
      assert.deepEqual(got.ids, want.ids, "libmtmd on the translated projector = libmtmd on the twin");

      // the engine places M-RoPE image positions as libmtmd does (tests/vision_mrope.test.ts): the twin's output
      await create(`${arch}-mono`, [pair.monolithic]);
      const shown = await postJson(server, "/api/show", { model: `${arch}-mono` });
      assert.ok(shown.json.capabilities.includes("vision"), JSON.stringify(shown.json.capabilities));
      const { status, json } = await generateWithImage(`${arch}-mono`);
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.response, want.text, "libmtmd's text on the twin");
      assert.equal(json.eval_count, want.ids.length);
      const text = await postJson(server, "/api/generate", {
        model: `${arch}-mono`,
        prompt: PROMPT,
        raw: true,
        stream: false,
        options: OPTIONS,
      });
      assert.equal(text.status, 200, JSON.stringify(text.json));
    },
  );
}

test("gemma3 monolithic with a malformed vision part: a clear error naming gemma3, and the server stays up", {
  skip,
  timeout: 600_000,
}, async () => {
  const broken = join(dir, "broken.gguf");
  await writeMonolithic(broken, "gemma3", (vision) => {
    vision.published.tensors = vision.published.tensors.filter((t) => t.name !== "mm.mm_input_projection.weight");
  });
  await create("gemma3-broken", [broken]);
  const { status, json } = await generateWithImage("gemma3-broken");
  assert.ok(status >= 400, JSON.stringify(json));
  assert.match(String(json.error), /gemma3/);
  assert.match(String(json.error), /mm\.input_projection\.weight/);
  const again = await generateWithImage("gemma3-twin");
  assert.equal(again.status, 200, JSON.stringify(again.json));
});

test(
  "deepseekocr: bare libllama refuses the published file; through tollama its text matches the llama.cpp twin, and images are refused clearly (its SAM+CLIP projector is not translated)",
  { skip, timeout: 600_000 },
  async () => {
    const pair = await deepseekocrPair();
    const llama = await Llama.open();
    assert.throws(() => Model.load(llama, pair.monolithic), ModelLoadError);
    await create("deepseekocr-mono", [pair.monolithic]);
    await create("deepseekocr-twin", [pair.text]);
    const [mono, twin] = await Promise.all(
      ["deepseekocr-mono", "deepseekocr-twin"].map((model) =>
        postJson(server, "/api/generate", { model, prompt: PROMPT, raw: true, stream: false, options: OPTIONS })
      ),
    );
    assert.equal(mono.status, 200, JSON.stringify(mono.json));
    assert.equal(twin.status, 200, JSON.stringify(twin.json));
    assert.equal(mono.json.response, twin.json.response);
    assert.equal(mono.json.eval_count, twin.json.eval_count);
    assert.equal(mono.json.prompt_eval_count, twin.json.prompt_eval_count);
    const { status, json } = await generateWithImage("deepseekocr-mono");
    assert.equal(status, 400, JSON.stringify(json));
    assert.match(String(json.error), /image/);
  },
);
