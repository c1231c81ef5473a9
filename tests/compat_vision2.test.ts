// Published-Ollama vision, second group (src/compat/clip_gemma4.ts …): the monolithic file is refused as a projector
// by bare libmtmd; its derived projector runs in libmtmd as the llama.cpp twin's mmproj does; through tollama (the
// single published blob installed as a pull leaves it) an image request gives the twin's greedy output.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { compatProjectorPath } from "../src/compat/mod.ts";
import { gbPairSkip } from "./fixtures/compat_pairs_gemma_bert.ts";
import { qwenGlmPairSkip } from "./fixtures/compat_pairs_qwen_glm.ts";
import { VISION2_ARCHS, visionPair2, writeMonolithic2 } from "./fixtures/compat_pairs_vision2.ts";
import { deepseekocrPair } from "./fixtures/compat_pairs_vision.ts";
import { MTMD_MARKER, mtmdReference, mtmdSkip } from "./helpers/mtmd_reference.ts";
import { png } from "./helpers/png.ts";
import { installGguf, postJson, startTestServer, type TestServer, uploadBlob } from "./helpers/server.ts";

const MARKER = MTMD_MARKER;
const N_GEN = 10;
const OPTIONS = { temperature: 0, num_predict: N_GEN, num_thread: 1, seed: 1 };
/** Digits, contractions, CamelCase and repeated spaces after the image. */
const PROMPT = "Describe  it: 12345 CamelCaseWords, it's   don't";

const skip = gbPairSkip() || qwenGlmPairSkip() || mtmdSkip();

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
  dir = await mkdtemp(join(tmpdir(), "tollama-compat-vision2-"));
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

for (const arch of VISION2_ARCHS) {
  test(
    `${arch} monolithic: refused by bare libmtmd; its derived projector runs as the twin's; tollama answers an image as the twin`,
    { skip, timeout: 600_000 },
    async () => {
      const pair = await visionPair2(arch);
      const prompt = `${MARKER}${PROMPT}`;
      assert.notEqual((await native(pair.text, pair.monolithic, prompt, [image])).status, 0);
      const want = await native(pair.text, pair.mmproj, prompt, [image]);
      assert.equal(want.status, 0, want.stderr);
      assert.ok(want.ids.length > 0);
      const derived = await compatProjectorPath(pair.monolithic, { cacheDir: join(dir, "mmproj") });
      assert.ok(derived);
      const got = await native(pair.text, derived, prompt, [image]);
      assert.equal(got.status, 0, got.stderr);
      assert.deepEqual(got.ids, want.ids);

      await installGguf(server.store, `${arch}-mono:latest`, pair.monolithic);
      const shown = await postJson(server, "/api/show", { model: `${arch}-mono` });
      assert.ok(shown.json.capabilities.includes("vision"), JSON.stringify(shown.json.capabilities));
      const { status, json } = await postJson(server, "/api/generate", {
        model: `${arch}-mono`,
        prompt: `[img-0]${PROMPT}`,
        images: [imageBase64],
        raw: true,
        stream: false,
        options: OPTIONS,
      });
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.response, want.text, "libmtmd's text on the twin");
      assert.equal(json.eval_count, want.ids.length);
    },
  );
}

/** Makes model `name` from a text GGUF and a projector GGUF over the HTTP API (a projector layer of its own). */
async function createWithProjector(name: string, model: string, projector: string): Promise<void> {
  const files = { "model.gguf": await uploadBlob(server, model), "mmproj.gguf": await uploadBlob(server, projector) };
  const { status, json } = await postJson(server, "/api/create", { model: name, files, stream: false });
  assert.equal(status, 200, `create ${name}: ${JSON.stringify(json)}`);
}

/** projector_info's clip keys and parameter count (the general.* keys a derived projector keeps from its model aside). */
function projectorKeys(info: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(info ?? {}).filter(([key]) =>
      key.startsWith("clip.") || key === "general.architecture" || key === "general.parameter_count"
    ),
  );
}

test(
  "/api/show: a single published vision file shows the projector libmtmd is given as projector_info, as its twin's projector layer shows",
  { skip, timeout: 600_000 },
  async () => {
    const pair = await visionPair2("gemma4");
    await installGguf(server.store, "gemma4-show:latest", pair.monolithic);
    await createWithProjector("gemma4-show-twin", pair.text, pair.mmproj);
    const [mono, twin] = await Promise.all(
      ["gemma4-show", "gemma4-show-twin"].map((model) => postJson(server, "/api/show", { model })),
    );
    assert.equal(mono.status, 200, JSON.stringify(mono.json));
    assert.equal(mono.json.projector_info?.["clip.vision.projector_type"], "gemma4v");
    assert.equal(mono.json.projector_info?.["general.architecture"], "clip");
    assert.deepEqual(projectorKeys(mono.json.projector_info), projectorKeys(twin.json.projector_info));
    assert.deepEqual(mono.json.capabilities, twin.json.capabilities);
    // /api/tags says the same
    const tags = await (await fetch(`${server.url}/api/tags`)).json();
    const listed = tags.models.find((m: { name: string }) => m.name === "gemma4-show:latest");
    assert.ok(listed?.capabilities?.includes("vision"), JSON.stringify(listed));
    // a malformed vision part still shows vision (its image request names the problem) but no projector_info
    const broken = join(dir, "gemma4-broken.gguf");
    await writeMonolithic2(broken, "gemma4", (v) => {
      v.published.tensors = v.published.tensors.filter((t) => t.name !== "mm.input_projection.weight");
    });
    await installGguf(server.store, "gemma4-broken:latest", broken);
    const shown = await postJson(server, "/api/show", { model: "gemma4-broken" });
    assert.equal(shown.status, 200, JSON.stringify(shown.json));
    assert.ok(shown.json.capabilities.includes("vision"));
    assert.equal(shown.json.projector_info, undefined);
    const image = await postJson(server, "/api/generate", {
      model: "gemma4-broken",
      prompt: PROMPT,
      images: [imageBase64],
      stream: false,
      options: OPTIONS,
    });
    assert.ok(image.status >= 400 && image.status < 600, JSON.stringify(image.json));
    assert.match(String(image.json.error), /gemma4/);
    assert.match(String(image.json.error), /mm\.input_projection\.weight/);
  },
);

test(
  "deepseekocr (SAM+CLIP projector, not translated): /api/show lists no vision and no projector_info, and an image is a clear 400",
  { skip, timeout: 600_000 },
  async () => {
    const pair = await deepseekocrPair();
    await installGguf(server.store, "deepseekocr-show:latest", pair.monolithic);
    const shown = await postJson(server, "/api/show", { model: "deepseekocr-show" });
    assert.equal(shown.status, 200, JSON.stringify(shown.json));
    assert.ok(!shown.json.capabilities.includes("vision"), JSON.stringify(shown.json.capabilities));
    assert.ok(shown.json.capabilities.includes("completion"));
    assert.equal(shown.json.projector_info, undefined);
    const { status, json } = await postJson(server, "/api/generate", {
      model: "deepseekocr-show",
      prompt: PROMPT,
      images: [imageBase64],
      stream: false,
      options: OPTIONS,
    });
    assert.equal(status, 400, JSON.stringify(json));
    assert.match(String(json.error), /does not support images/);
    const text = await postJson(server, "/api/generate", {
      model: "deepseekocr-show",
      prompt: PROMPT,
      raw: true,
      stream: false,
      options: OPTIONS,
    });
    assert.equal(text.status, 200, JSON.stringify(text.json));
  },
);
