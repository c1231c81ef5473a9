// WebP images (issue 14): libmtmd's decoder (stb_image) reads no WebP, so tollama decodes it (libwebp as WebAssembly,
// src/image/) and hands libmtmd the same pixels as PNG, as Ollama does. Lossless and lossy files, with and without
// alpha, made by libwebp's own encoder (tests/fixtures/webp_vectors.ts), give through /api/generate, /api/chat and
// /v1/chat/completions the greedy output that a PNG of the same pixels gives, and that libmtmd's C API gives for that
// PNG (tests/helpers/mtmd_check.c). A corrupt or truncated WebP is a clear 400 and the server keeps serving.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureModel, fixtureSkip, LLAMA_CPP_DIR } from "./fixtures/mod.ts";
import { writeFixtureProjector } from "./fixtures/mmproj.ts";
import { readPng, WEBP_VECTORS, webpPattern } from "./fixtures/webp_vectors.ts";
import { compileCheck, LIB_DIR } from "./helpers/compile_check.ts";
import { png } from "./helpers/png.ts";
import { postJson, startTestServer, uploadBlob } from "./helpers/server.ts";
import { webpToPng } from "../src/image/mod.ts";

const MARKER = "<__media__>";
const N_GEN = 12;
const OPTIONS = { temperature: 0, num_predict: N_GEN, num_thread: 1, seed: 1 };
const PROMPT = "Describe:";

const libs = existsSync(LIB_DIR)
  ? [/^libllama\.v[\d.]+\.so$/, /^libggml\.v[\d.]+\.so$/, /^libggml-base\.so$/, /^libmtmd\.so$/]
    .map((p) => readdirSync(LIB_DIR).find((f) => p.test(f)))
  : [];
function skipReason(): string | false {
  const fixture = fixtureSkip("tiny-spm");
  if (fixture) return fixture;
  if (spawnSync("cc", ["--version"]).status !== 0) return "no C compiler (cc) to build the libmtmd reference program";
  if (!libs[3]) return `libmtmd.so not in ${LIB_DIR}`;
  if (libs.some((l) => !l)) return `libllama/libggml not found in ${LIB_DIR}`;
  if (!existsSync(join(LLAMA_CPP_DIR, "tools", "mtmd", "mtmd.h"))) return `mtmd.h not found under ${LLAMA_CPP_DIR}`;
  return false;
}
const skip = skipReason();

/** libmtmd's C API's greedy text for the model, projector, prompt and image file. */
async function native(model: string, projector: string, prompt: string, image: string): Promise<string> {
  const bin = await compileCheck("mtmd_check", libs, ["include", "ggml/include", "tools/mtmd"]);
  const run = spawnSync(bin, [LIB_DIR, model, projector, prompt, String(N_GEN), image], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `mtmd_check failed:\n${run.stderr}`);
  return Buffer.from(/^text_hex=(.*)$/m.exec(run.stdout)?.[1] ?? "", "hex").toString("utf8");
}

/** An RGB PNG of a WebP vector's pixels as libwebp decodes them (checked against libwebp's own hash). */
function samePixelsPng(file: Uint8Array, rgbaSha256: string, lossless: boolean, alpha: boolean): Uint8Array {
  const decoded = readPng(webpToPng(file));
  const rgba = new Uint8Array(decoded.width * decoded.height * 4);
  for (let i = 0; i < decoded.width * decoded.height; i++) {
    rgba.set(decoded.pixels.subarray(i * decoded.channels, i * decoded.channels + 3), i * 4);
    rgba[i * 4 + 3] = decoded.channels === 4 ? decoded.pixels[i * 4 + 3] : 255;
  }
  assert.equal(createHash("sha256").update(rgba).digest("hex"), rgbaSha256, "libwebp's decoding");
  if (lossless) assert.deepEqual(rgba, webpPattern(alpha).rgba);
  // libmtmd reads three channels: alpha is dropped, as for any PNG
  return png(decoded.width, decoded.height, (x, y) => {
    const at = (y * decoded.width + x) * 4;
    return [rgba[at], rgba[at + 1], rgba[at + 2]];
  });
}

test(
  "WebP images (lossless, lossy, alpha) give the output of a PNG of the same pixels in every API; corrupt WebP is a 400",
  {
    skip,
    timeout: 600_000,
  },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "tollama-webp-"));
    try {
      const model = await fixtureModel("tiny-spm");
      const projector = join(dir, "mmproj.gguf");
      await writeFixtureProjector(projector, model, { seed: 5 });
      await using server = await startTestServer();
      const files = {
        "model.gguf": await uploadBlob(server, model),
        "mmproj.gguf": await uploadBlob(server, projector),
      };
      const created = await postJson(server, "/api/create", { model: "vis", files, stream: false });
      assert.equal(created.status, 200, JSON.stringify(created.json));
      const generate = (image: string) =>
        postJson(server, "/api/generate", {
          model: "vis",
          prompt: `[img-0]${PROMPT}`,
          images: [image],
          raw: true,
          stream: false,
          options: OPTIONS,
        });

      const outputs = new Set<string>();
      for (const vector of WEBP_VECTORS) {
        const webp = new Uint8Array(Buffer.from(vector.file, "base64"));
        const pngBytes = samePixelsPng(webp, vector.rgbaSha256, !vector.lossy, vector.alpha);
        const pngPath = join(dir, `${vector.name}.png`);
        await writeFile(pngPath, pngBytes);
        const want = await native(model, projector, `${MARKER}${PROMPT}`, pngPath);
        const fromPng = await generate(Buffer.from(pngBytes).toString("base64"));
        assert.equal(fromPng.status, 200, JSON.stringify(fromPng.json));
        assert.equal(fromPng.json.response, want, `${vector.name}: PNG = libmtmd`);
        const fromWebp = await generate(vector.file);
        assert.equal(fromWebp.status, 200, JSON.stringify(fromWebp.json));
        assert.equal(fromWebp.json.response, want, `${vector.name}: WebP = the PNG of its pixels`);
        outputs.add(want);
      }
      // the output depends on the pixels: the pattern inverted gives another
      const inverted = png(40, 24, (x, y) => [255 - ((x * 6) & 255), 255 - ((y * 10) & 255), 255 - ((x * y) % 256)]);
      const other = await generate(Buffer.from(inverted).toString("base64"));
      assert.equal(other.status, 200, JSON.stringify(other.json));
      assert.ok(!outputs.has(other.json.response), `another image gives other output: ${[...outputs]}`);

      // chat and OpenAI data URLs take the same path
      const lossy = WEBP_VECTORS.find((v) => v.name === "lossy")!;
      const lossyPng = Buffer.from(
        samePixelsPng(new Uint8Array(Buffer.from(lossy.file, "base64")), lossy.rgbaSha256, false, false),
      ).toString("base64");
      const chat = (image: string) =>
        postJson(server, "/api/chat", {
          model: "vis",
          messages: [{ role: "user", content: "What is this?", images: [image] }],
          stream: false,
          options: OPTIONS,
        });
      const chatPng = await chat(lossyPng);
      const chatWebp = await chat(lossy.file);
      assert.equal(chatWebp.status, 200, JSON.stringify(chatWebp.json));
      assert.equal(chatWebp.json.message.content, chatPng.json.message.content);
      const openai = await postJson(server, "/v1/chat/completions", {
        model: "vis",
        messages: [{
          role: "user",
          content: [
            { type: "image_url", image_url: { url: `data:image/webp;base64,${lossy.file}` } },
            { type: "text", text: "What is this?" },
          ],
        }],
        temperature: 0,
        max_tokens: N_GEN,
        seed: 1,
      });
      assert.equal(openai.status, 200, JSON.stringify(openai.json));
      assert.equal(openai.json.choices[0].message.content, chatPng.json.message.content);

      // corrupt files: a clear 400 naming the image, and the server keeps serving
      const bytes = new Uint8Array(Buffer.from(lossy.file, "base64"));
      const patched = bytes.slice(0, 60);
      new DataView(patched.buffer).setUint32(4, patched.length - 8, true);
      new DataView(patched.buffer).setUint32(16, patched.length - 20, true);
      for (const [what, broken] of [["truncated", bytes.subarray(0, 100)], ["cut, sizes patched", patched]] as const) {
        const { status, json } = await generate(Buffer.from(broken).toString("base64"));
        assert.equal(status, 400, `${what}: ${JSON.stringify(json)}`);
        assert.match(String(json.error), /^image 0 is WebP that could not be decoded: /, what);
      }
      const still = await generate(lossy.file);
      assert.equal(still.status, 200, JSON.stringify(still.json));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
