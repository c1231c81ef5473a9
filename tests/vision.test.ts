// Images end to end (issue 14): seeded tiny vision fixtures — the tiny-spm model plus a LLaVA `mlp` or a `gemma3` projector
// written by our GGUF writer (tests/fixtures/mmproj.ts) — created through the real HTTP API as a model with a
// projector layer, then images through /api/generate (raw and templated), /api/chat and OpenAI's image_url data
// URLs. The greedy ids and text equal what libmtmd's own C API makes of the same files, image and prompt
// (tests/helpers/mtmd_check.c); two images give different output (the prefix cache keys on image content); bad
// images, remote URLs and images sent to a text model are clear 4xx and the server stays up.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, symlinkSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureModel, fixtureSkip, LLAMA_CPP_DIR } from "./fixtures/mod.ts";
import { writeFixtureProjector } from "./fixtures/mmproj.ts";
import { postJson, startTestServer, type TestServer, uploadBlob } from "./helpers/server.ts";
import { runCliProcess } from "./helpers/cli.ts";
import { freePort } from "./helpers/net.ts";
import { startServeChild } from "./helpers/serve_child.ts";
import { crc32, png } from "./helpers/png.ts";
import { compileCheck } from "./helpers/compile_check.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const LIB_DIR = join(ROOT, "lib");
const N_GEN = 12;
const OPTIONS = { temperature: 0, num_predict: N_GEN, num_thread: 1, seed: 1 };
const MARKER = "<__media__>";

const libs = existsSync(LIB_DIR)
  ? [/^libllama\.v[\d.]+\.so$/, /^libggml\.v[\d.]+\.so$/, /^libggml-base\.so$/, /^libmtmd\.so$/]
    .map((p) => readdirSync(LIB_DIR).find((f) => p.test(f)))
  : [];
function skipReason(): string | false {
  const fixture = fixtureSkip("tiny-spm");
  if (fixture) return fixture;
  if (spawnSync("cc", ["--version"]).status !== 0) return "no C compiler (cc) to build the libmtmd reference program";
  if (!libs[3]) return `libmtmd.so not in ${LIB_DIR}: the install could not build it (run node scripts/build_mtmd.mjs)`;
  if (libs.some((l) => !l)) return `libllama/libggml not found in ${LIB_DIR}`;
  if (!existsSync(join(LLAMA_CPP_DIR, "tools", "mtmd", "mtmd.h"))) return `mtmd.h not found under ${LLAMA_CPP_DIR}`;
  return false;
}
const skip = skipReason();

/** tests/helpers/mtmd_check.c, compiled once per source version into the fixture cache. */
function mtmdCheck(): Promise<string> {
  return compileCheck("mtmd_check", libs, ["include", "ggml/include", "tools/mtmd"]);
}

interface Native {
  ids: number[];
  text: string;
  promptTokens: number;
}

/** What libmtmd's C API generates greedily for `prompt` (one MARKER per image) and the image files. */
async function native(files: Files, prompt: string, images: string[], projector = files.projector): Promise<Native> {
  const run = spawnSync(await mtmdCheck(), [LIB_DIR, files.model, projector, prompt, String(N_GEN), ...images], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `mtmd_check failed:\n${run.stderr}`);
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(run.stdout)?.[1] ?? "";
  const ids = value("generated").split(" ").filter(Boolean).map(Number);
  assert.ok(ids.length > 0, `mtmd_check generated nothing:\n${run.stdout}`);
  return { ids, text: Buffer.from(value("text_hex"), "hex").toString("utf8"), promptTokens: Number(value("prompt_tokens")) };
}

// --- images, written here: a PNG (tests/helpers/png.ts) and a 24-bit BMP, both 24×24 with seeded patterns ---

function bmp(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Uint8Array {
  const row = Math.ceil((width * 3) / 4) * 4;
  const out = new Uint8Array(54 + row * height);
  const v = new DataView(out.buffer);
  out.set([0x42, 0x4d]);
  v.setUint32(2, out.length, true);
  v.setUint32(10, 54, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, width, true);
  v.setInt32(22, height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, 24, true);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, height - 1 - y); // rows bottom-up
      out.set([b, g, r], 54 + y * row + x * 3);
    }
  }
  return out;
}

/** A PNG whose header claims 20000×20000 pixels over a few rows of data (a decompression bomb's shape). */
function hugePng(): Buffer {
  const full = Buffer.from(png(8, 8, () => [0, 0, 0]));
  const header = Buffer.from(full); // IHDR's width and height are at 16 and 20, its CRC at 29
  header.writeUInt32BE(20000, 16);
  header.writeUInt32BE(20000, 20);
  header.writeUInt32BE(crc32(header.subarray(12, 29)), 29);
  return header;
}

interface Files {
  dir: string;
  model: string;
  projector: string;
  /** Image paths for the C program, and their bytes as base64 for the API. */
  a: string;
  b: string;
  aBase64: string;
  bBase64: string;
}

async function withFiles(fn: (files: Files) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-vision-"));
  try {
    const model = await fixtureModel("tiny-spm");
    const projector = join(dir, "mmproj.gguf");
    await writeFixtureProjector(projector, model, { seed: 5 });
    const imageA = png(24, 24, (x, y) => [(x * 10) % 256, (y * 10) % 256, 128]);
    const imageB = bmp(24, 24, (x, y) => [255 - ((x * 10) % 256), 50, (x * y) % 256]);
    const a = join(dir, "a.png");
    const b = join(dir, "b.bmp");
    await writeFile(a, imageA);
    await writeFile(b, imageB);
    await fn({
      dir,
      model,
      projector,
      a,
      b,
      aBase64: Buffer.from(imageA).toString("base64"),
      bBase64: Buffer.from(imageB).toString("base64"),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A server with `vis` (model + projector layer) and `text` (the same model alone). */
async function visionServer(files: Files, projectorPath = files.projector): Promise<TestServer> {
  const server = await startTestServer();
  const model = await uploadBlob(server, files.model);
  const projector = await uploadBlob(server, projectorPath);
  for (const [name, request] of [
    ["vis", { files: { "model.gguf": model, "mmproj.gguf": projector } }],
    ["text", { files: { "model.gguf": model } }],
  ] as const) {
    const { status, json } = await postJson(server, "/api/create", { model: name, ...request, stream: false });
    assert.equal(status, 200, `create ${name}: ${JSON.stringify(json)}`);
  }
  return server;
}

/** The prompt the server renders for a chat, with its `[img-N]` tags as libmtmd's markers. */
async function renderedChat(server: TestServer, messages: unknown[]): Promise<string> {
  const { status, json } = await postJson(server, "/api/chat", { model: "vis", messages, _debug_render_only: true });
  assert.equal(status, 200, JSON.stringify(json));
  return (json._debug_info.rendered_template as string).replace(/\[img-\d+\]/g, MARKER);
}

test("images through /api/generate and /api/chat give libmtmd's own greedy output; two images differ", { skip, timeout: 600_000 }, async () => {
  await withFiles(async (files) => {
    await using server = await visionServer(files);

    // /api/show: vision only where there is a projector
    const shown = await postJson(server, "/api/show", { model: "vis" });
    assert.ok(shown.json.capabilities.includes("vision"), JSON.stringify(shown.json.capabilities));
    assert.ok(shown.json.projector_info, "projector_info is shown");
    const plain = await postJson(server, "/api/show", { model: "text" });
    assert.ok(!plain.json.capabilities.includes("vision"));

    // raw generate: `[img-0]` places the image
    const rawA = await native(files, `${MARKER}Describe:`, [files.a]);
    const rawB = await native(files, `${MARKER}Describe:`, [files.b]);
    assert.notDeepEqual(rawA.ids, rawB.ids, "the reference gives two images different output");
    for (const [image, want] of [[files.aBase64, rawA], [files.bBase64, rawB], [files.aBase64, rawA]] as const) {
      const { status, json } = await postJson(server, "/api/generate", {
        model: "vis",
        prompt: "[img-0]Describe:",
        images: [image],
        raw: true,
        stream: false,
        options: OPTIONS,
      });
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.response, want.text, "raw generate text");
      assert.equal(json.eval_count, want.ids.length);
    }

    // at once, batched with each other and with a text request: each still gets its own image's output
    const textOnly = await postJson(server, "/api/generate", { model: "vis", prompt: "Describe:", raw: true, stream: false, options: OPTIONS });
    const together = await Promise.all([
      [files.aBase64, rawA],
      [files.bBase64, rawB],
      [undefined, undefined],
      [files.bBase64, rawB],
    ].map(([image, want]) =>
      postJson(server, "/api/generate", {
        model: "vis",
        prompt: image ? "[img-0]Describe:" : "Describe:",
        ...(image ? { images: [image] } : {}),
        raw: true,
        stream: false,
        options: OPTIONS,
      }).then(({ status, json }) => {
        assert.equal(status, 200, JSON.stringify(json));
        return [json.response, (want as Native | undefined)?.text ?? textOnly.json.response];
      })
    ));
    for (const [got, want] of together) assert.equal(got, want, "concurrent requests");

    // templated generate: the image goes into the user turn, untagged images before the text; ids from `context`
    const question = "What is in this picture?";
    const templated = await renderedChat(server, [{ role: "user", content: question, images: [files.aBase64] }]);
    assert.ok(templated.includes(`${MARKER}${question}`), templated);
    const wantA = await native(files, templated, [files.a]);
    const wantB = await native(files, templated, [files.b]);
    assert.notDeepEqual(wantA.ids, wantB.ids);
    const generated = await postJson(server, "/api/generate", {
      model: "vis",
      prompt: question,
      images: [files.aBase64],
      stream: false,
      options: OPTIONS,
    });
    assert.equal(generated.status, 200, JSON.stringify(generated.json));
    assert.deepEqual((generated.json.context as number[]).slice(-wantA.ids.length), wantA.ids, "generate ids");
    assert.equal(generated.json.response, wantA.text);
    // a follow-up with the returned context (text ids only: no image ids leak into it) and another image
    assert.ok((generated.json.context as number[]).every((t) => t >= 0));
    const followUp = await postJson(server, "/api/generate", {
      model: "vis",
      prompt: "And this one?",
      images: [files.bBase64],
      context: generated.json.context,
      stream: false,
      options: OPTIONS,
    });
    assert.equal(followUp.status, 200, JSON.stringify(followUp.json));
    assert.ok(followUp.json.eval_count > 0 && followUp.json.prompt_eval_count > 16);

    // chat: the same prompt with the other image is computed again (not a prefix-cache hit on the text)
    for (const [image, want] of [[files.bBase64, wantB], [files.aBase64, wantA]] as const) {
      const { status, json } = await postJson(server, "/api/chat", {
        model: "vis",
        messages: [{ role: "user", content: question, images: [image] }],
        stream: false,
        options: OPTIONS,
      });
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.message.content, want.text, "chat text");
      assert.equal(json.eval_count, want.ids.length);
    }

    // prompt_eval_count counts the image's tokens: a fresh prompt (new text first) is computed whole
    const fresh = `Look closely. ${question}`;
    const freshPrompt = await renderedChat(server, [{ role: "user", content: fresh, images: [files.bBase64] }]);
    const wantFresh = await native(files, freshPrompt, [files.b]);
    const counted = await postJson(server, "/api/chat", {
      model: "vis",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: fresh, images: [files.bBase64] }],
      stream: false,
      options: OPTIONS,
      _debug_render_only: false,
    });
    assert.equal(counted.status, 200);
    assert.ok(counted.json.prompt_eval_count > 16, `image tokens counted: ${counted.json.prompt_eval_count}`);
    const alone = await postJson(server, "/api/chat", {
      model: "vis",
      messages: [{ role: "user", content: fresh, images: [files.bBase64] }],
      stream: false,
      options: OPTIONS,
    });
    assert.equal(alone.json.message.content, wantFresh.text);

    // `[img]` markers place images in a message, as Ollama's do
    const placed = await renderedChat(server, [{ role: "user", content: "first [img] then [img] end", images: [files.aBase64, files.bBase64] }]);
    assert.ok(placed.includes(`first ${MARKER} then ${MARKER} end`), placed);
    const wantTwo = await native(files, placed, [files.a, files.b]);
    const two = await postJson(server, "/api/chat", {
      model: "vis",
      messages: [{ role: "user", content: "first [img] then [img] end", images: [files.aBase64, files.bBase64] }],
      stream: false,
      options: OPTIONS,
    });
    assert.equal(two.status, 200, JSON.stringify(two.json));
    assert.equal(two.json.message.content, wantTwo.text);
  });
});

test("OpenAI image_url data URLs, Anthropic image blocks and Responses input_image reach the model; remote URLs are a 400", { skip, timeout: 300_000 }, async () => {
  await withFiles(async (files) => {
    await using server = await visionServer(files);
    const question = "What is in this picture?";
    const prompt = await renderedChat(server, [{ role: "user", content: question, images: [files.aBase64] }]);
    const want = await native(files, prompt, [files.a]);
    const { status, json } = await postJson(server, "/v1/chat/completions", {
      model: "vis",
      messages: [{
        role: "user",
        content: [
          { type: "image_url", image_url: { url: `data:image/png;base64,${files.aBase64}` } },
          { type: "text", text: question },
        ],
      }],
      temperature: 0,
      max_tokens: N_GEN,
      seed: 1,
    });
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.choices[0].message.content, want.text);

    // Anthropic's base64 image blocks and the Responses API's input_image data URLs take the same path
    const anthropic = await postJson(server, "/v1/messages", {
      model: "vis",
      max_tokens: N_GEN,
      temperature: 0,
      messages: [{
        role: "user",
        content: [
          { type: "image", source: { type: "base64", media_type: "image/png", data: files.aBase64 } },
          { type: "text", text: question },
        ],
      }],
    });
    assert.equal(anthropic.status, 200, JSON.stringify(anthropic.json));
    assert.equal(anthropic.json.content[0].text, want.text);
    const responses = await postJson(server, "/v1/responses", {
      model: "vis",
      max_output_tokens: N_GEN,
      temperature: 0,
      input: [{
        role: "user",
        content: [
          { type: "input_image", image_url: `data:image/png;base64,${files.aBase64}` },
          { type: "input_text", text: question },
        ],
      }],
    });
    assert.equal(responses.status, 200, JSON.stringify(responses.json));
    const output = responses.json.output.find((item: { type: string }) => item.type === "message");
    assert.equal(output.content[0].text, want.text);

    const remote = await postJson(server, "/v1/chat/completions", {
      model: "vis",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }],
    });
    assert.equal(remote.status, 400);
    assert.match(JSON.stringify(remote.json), /image URLs are not currently supported/);
  });
});

test("bad images and images for a text model are clear 4xx; the server stays up", { skip, timeout: 300_000 }, async () => {
  await withFiles(async (files) => {
    await using server = await visionServer(files);
    const generate = (images: unknown, model = "vis") =>
      postJson(server, "/api/generate", { model, prompt: "[img-0]x", images, raw: true, stream: false, options: OPTIONS });
    const pngBytes = Buffer.from(files.aBase64, "base64");
    const cases: Array<[string, unknown, RegExp]> = [
      ["not base64", ["this is not base64!"], /illegal base64|base64/i],
      ["not an image", [Buffer.from("just some text, not an image").toString("base64")], /image 0 could not be decoded/],
      ["a truncated PNG", [pngBytes.subarray(0, pngBytes.length >> 1).toString("base64")], /image 0 could not be decoded/],
      ["an empty image", [""], /image 0 is empty|could not be decoded/],
      ["a PNG header claiming 20000×20000", [hugePng().toString("base64")], /image 0 could not be decoded/],
      ["a WebP image", [Buffer.from("RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0", "latin1").toString("base64")], /image 0 is WebP/],
    ];
    for (const [what, images, message] of cases) {
      const { status, json } = await generate(images);
      assert.ok(status >= 400 && status < 500, `${what}: ${status} ${JSON.stringify(json)}`);
      assert.equal(typeof json.error, "string", what);
      assert.match(json.error, message, what);
    }
    const text = await generate([files.aBase64], "text");
    assert.equal(text.status, 400);
    assert.match(text.json.error, /does not support images/);
    const chat = await postJson(server, "/api/chat", {
      model: "text",
      messages: [{ role: "user", content: "hi", images: [files.aBase64] }],
      stream: false,
    });
    assert.equal(chat.status, 400);
    assert.match(chat.json.error, /does not support images/);
    // still serving, images included
    const ok = await generate([files.aBase64]);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.ok(ok.json.eval_count > 0);
  });
});

test("tollama create from a Modelfile naming the model and its projector GGUF: a vision model", { skip, timeout: 300_000 }, async () => {
  await withFiles(async (files) => {
    await using server = await startTestServer();
    const home = join(files.dir, "home");
    await mkdir(home);
    await writeFile(join(files.dir, "model.gguf"), await readFile(files.model));
    await writeFile(
      join(files.dir, "Modelfile"),
      "FROM ./model.gguf\nFROM ./mmproj.gguf\nPARAMETER temperature 0\nPARAMETER num_predict 12\nPARAMETER num_thread 1\n",
    );
    const env = { OLLAMA_HOST: server.url, HOME: home };
    const created = await runCliProcess(["create", "cli-vis"], { cwd: files.dir, env, timeoutMs: 120_000 });
    assert.equal(created.code, 0, created.stderr);
    const shown = await postJson(server, "/api/show", { model: "cli-vis" });
    assert.ok(shown.json.capabilities.includes("vision"), JSON.stringify(shown.json.capabilities));
    // `tollama show`: Ollama's Projector section
    const cliShow = await runCliProcess(["show", "cli-vis"], { env });
    assert.equal(cliShow.code, 0, cliShow.stderr);
    assert.match(cliShow.stdout, / {2}Capabilities\n(?: {4}\S+\n)* {4}vision\n/);
    assert.match(cliShow.stdout, / {2}Projector\n {4}architecture {8}clip\s*\n {4}parameters {10}[\d.]+K\s*\n {4}embedding length {4}32\s*\n {4}dimensions {10}64\s*\n/);
    const want = await native(files, `${MARKER}Describe:`, [files.b]);
    const { status, json } = await postJson(server, "/api/generate", {
      model: "cli-vis",
      prompt: "Describe:", // an image the prompt does not place goes before the text
      images: [files.bBase64],
      raw: true,
      stream: false,
      options: OPTIONS,
    });
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.response, want.text);

    // `tollama run` attaches an image path named in the prompt (as Ollama's CLI does) and answers as the API does
    const api = await postJson(server, "/api/generate", { model: "cli-vis", prompt: "Describe:", images: [files.aBase64], stream: false });
    assert.equal(api.status, 200, JSON.stringify(api.json));
    const run = await runCliProcess(["run", "cli-vis", "Describe: ./a.png"], { cwd: files.dir, env, timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Added image '\.\/a\.png'/);
    assert.equal(run.stdout.trim(), (api.json.response as string).trim());
    const withoutImage = await postJson(server, "/api/generate", { model: "cli-vis", prompt: "Describe: ./a.png", stream: false });
    assert.notEqual(withoutImage.json.response, api.json.response, "the path was not just left as text");
  });
});

test("a gemma3 projector (non-causal attention over the image) gives libmtmd's own output through the API", { skip, timeout: 300_000 }, async () => {
  await withFiles(async (files) => {
    const gemma3 = join(files.dir, "gemma3.gguf");
    await writeFixtureProjector(gemma3, files.model, { type: "gemma3", seed: 3 });
    await using server = await visionServer(files, gemma3);
    const wantA = await native(files, `${MARKER}Describe:`, [files.a], gemma3);
    const wantB = await native(files, `${MARKER}Describe:`, [files.b], gemma3);
    assert.notDeepEqual(wantA.ids, wantB.ids);
    for (const [image, want] of [[files.aBase64, wantA], [files.bBase64, wantB]] as const) {
      const { status, json } = await postJson(server, "/api/generate", {
        model: "vis",
        prompt: "[img-0]Describe:",
        images: [image],
        raw: true,
        stream: false,
        options: OPTIONS,
      });
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.response, want.text);
      assert.equal(json.prompt_eval_count <= want.promptTokens, true);
    }
    const question = "What is in this picture?";
    const prompt = await renderedChat(server, [{ role: "user", content: question, images: [files.bBase64] }]);
    const want = await native(files, prompt, [files.b], gemma3);
    const { status, json } = await postJson(server, "/api/chat", {
      model: "vis",
      messages: [{ role: "user", content: question, images: [files.bBase64] }],
      stream: false,
      options: OPTIONS,
    });
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.message.content, want.text);

    // its 16 image tokens attend both ways, so they go in one batch: a smaller num_batch is a clear 400
    const small = await postJson(server, "/api/generate", {
      model: "vis",
      prompt: "[img-0]Describe:",
      images: [files.aBase64],
      raw: true,
      stream: false,
      options: { ...OPTIONS, num_batch: 8 },
    });
    assert.equal(small.status, 400, JSON.stringify(small.json));
    assert.match(small.json.error, /set num_batch to at least 16/);
  });
});

test("without libmtmd (a LLAMA_LIB_DIR build that has none) text works and an image request says what is missing", { skip, timeout: 300_000 }, async () => {
  await withFiles(async (files) => {
    // libllama and the ggml backends, linked under their own names; no libmtmd
    const libDir = join(files.dir, "lib");
    await mkdir(libDir);
    for (const name of readdirSync(LIB_DIR).filter((n) => n.endsWith(".so") && !n.startsWith("libmtmd"))) {
      symlinkSync(join(LIB_DIR, name), join(libDir, name));
    }
    const port = await freePort();
    const { child, exited } = await startServeChild({
      HOME: files.dir,
      LLAMA_LIB_DIR: libDir,
      OLLAMA_HOST: `127.0.0.1:${port}`,
      OLLAMA_MODELS: join(files.dir, "models"),
    }, 60_000);
    try {
      const server = { url: `http://127.0.0.1:${port}` } as TestServer;
      const model = await uploadBlob(server, files.model);
      const projector = await uploadBlob(server, files.projector);
      const created = await postJson(server, "/api/create", { model: "vis", files: { "m.gguf": model, "p.gguf": projector }, stream: false });
      assert.equal(created.status, 200, JSON.stringify(created.json));
      const text = await postJson(server, "/api/generate", { model: "vis", prompt: "Hello", raw: true, stream: false, options: OPTIONS });
      assert.equal(text.status, 200, JSON.stringify(text.json));
      assert.ok(text.json.eval_count > 0);
      const image = await postJson(server, "/api/generate", {
        model: "vis",
        prompt: "[img-0]Describe:",
        images: [files.aBase64],
        raw: true,
        stream: false,
        options: OPTIONS,
      });
      assert.equal(image.status, 500, JSON.stringify(image.json));
      assert.match(image.json.error, /images need libmtmd, which is not next to libllama in .*install g\+\+/);
      const again = await postJson(server, "/api/generate", { model: "vis", prompt: "Hello", raw: true, stream: false, options: OPTIONS });
      assert.equal(again.json.response, text.json.response, "text still works after the failed image request");
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});
