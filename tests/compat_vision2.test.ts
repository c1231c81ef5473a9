// Published-Ollama vision, second group (src/compat/clip_gemma4.ts …): the monolithic file is refused as a projector
// by bare libmtmd; its derived projector runs in libmtmd as the llama.cpp twin's mmproj does; through tollama (the
// single published blob installed as a pull leaves it) an image request gives the twin's greedy output.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { LLAMA_CPP_DIR } from "./fixtures/mod.ts";
import { compatProjectorPath } from "../src/compat/mod.ts";
import { gbPairSkip } from "./fixtures/compat_pairs_gemma_bert.ts";
import { VISION2_ARCHS, visionPair2 } from "./fixtures/compat_pairs_vision2.ts";
import { compileCheck, LIB_DIR } from "./helpers/compile_check.ts";
import { png } from "./helpers/png.ts";
import { installGguf, postJson, startTestServer, type TestServer } from "./helpers/server.ts";

const MARKER = "<__media__>";
const N_GEN = 10;
const OPTIONS = { temperature: 0, num_predict: N_GEN, num_thread: 1, seed: 1 };
/** Digits, contractions, CamelCase and repeated spaces after the image. */
const PROMPT = "Describe  it: 12345 CamelCaseWords, it's   don't";

const libs = existsSync(LIB_DIR)
  ? [/^libllama\.v[\d.]+\.so$/, /^libggml\.v[\d.]+\.so$/, /^libggml-base\.so$/, /^libmtmd\.so$/]
    .map((p) => readdirSync(LIB_DIR).find((f) => p.test(f)))
  : [];
function skipReason(): string | false {
  const pairs = gbPairSkip();
  if (pairs) return pairs;
  if (spawnSync("cc", ["--version"]).status !== 0) return "no C compiler (cc) to build the libmtmd reference program";
  if (!libs[3]) return `libmtmd.so not in ${LIB_DIR}`;
  if (libs.some((l) => !l)) return `libllama/libggml not found in ${LIB_DIR}`;
  if (!existsSync(join(LLAMA_CPP_DIR, "tools", "mtmd", "mtmd.h"))) return `mtmd.h not found under ${LLAMA_CPP_DIR}`;
  return false;
}
const skip = skipReason();

/** What libmtmd's C API makes of a model, a projector, the prompt and the images (tests/helpers/mtmd_check.c). */
async function native(model: string, projector: string, prompt: string, images: string[]) {
  const bin = await compileCheck("mtmd_check", libs, ["include", "ggml/include", "tools/mtmd"]);
  const run = spawnSync(bin, [LIB_DIR, model, projector, prompt, String(N_GEN), ...images], {
    encoding: "utf8",
    timeout: 120_000,
  });
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(run.stdout)?.[1] ?? "";
  return {
    status: run.status,
    stderr: run.stderr,
    ids: value("generated").split(" ").filter(Boolean).map(Number),
    text: Buffer.from(value("text_hex"), "hex").toString("utf8"),
  };
}

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
