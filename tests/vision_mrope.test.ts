// Images for M-RoPE models (issue 14): a seeded tiny Qwen2.5-VL and Qwen3-VL — the llama.cpp-layout text model and
// mmproj twins of tests/fixtures/compat_pairs_vision.ts, written by our GGUF writer — created over the HTTP API.
// libmtmd places an image's tokens on a 2-D grid from one start position, and the text after it starts `n_pos`
// (max of the grid's sides) later, not one per token: the greedy output through /api/generate, /api/chat and
// /v1/chat/completions equals libmtmd's own C API (tests/helpers/mtmd_check.c, mtmd_helper_eval_chunks). A second
// chat turn reuses the cached image (fewer tokens evaluated) and still matches; a generation that fills the
// context ends with "length" (llama.cpp cannot shift M-RoPE positions: it would abort the process), with or without
// an image, and the server stays up.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { compatPairSkip } from "./fixtures/compat_pairs.ts";
import { visionPair } from "./fixtures/compat_pairs_vision.ts";
import { MTMD_MARKER, mtmdReference, mtmdSkip } from "./helpers/mtmd_reference.ts";
import { png } from "./helpers/png.ts";
import { postJson, startTestServer, type TestServer, uploadBlob } from "./helpers/server.ts";

const MARKER = MTMD_MARKER;
const N_GEN = 10;
const OPTIONS = { temperature: 0, num_predict: N_GEN, num_thread: 1, seed: 1 };
const PROMPT = "Describe it: 12345 words";

const skip = compatPairSkip() || mtmdSkip();

/** What libmtmd's C API generates greedily for the model, projector, prompt (one MARKER per image) and images. */
async function native(model: string, projector: string, prompt: string, images: string[]) {
  const run = await mtmdReference(model, projector, prompt, images, N_GEN);
  assert.equal(run.status, 0, `mtmd_check failed:\n${run.stderr}`);
  assert.ok(run.ids.length > 0, `mtmd_check generated nothing:\n${run.stdout}`);
  return run;
}
let server: TestServer;
let dir: string;
/** A wide image (its grid is not square: x and y positions differ) and a tall one. */
const images = { a: "", b: "", aBase64: "", bBase64: "" };
const savedModels = process.env.OLLAMA_MODELS;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tollama-vision-mrope-"));
  process.env.OLLAMA_MODELS = join(dir, "models");
  const a = png(64, 32, (x, y) => [(x * 7) % 256, (y * 13) % 256, 128]);
  const b = png(32, 64, (x, y) => [255 - ((x * 11) % 256), 40, (x * y) % 256]);
  images.a = join(dir, "a.png");
  images.b = join(dir, "b.png");
  await writeFile(images.a, a);
  await writeFile(images.b, b);
  images.aBase64 = Buffer.from(a).toString("base64");
  images.bBase64 = Buffer.from(b).toString("base64");
  server = await startTestServer();
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
  if (savedModels === undefined) delete process.env.OLLAMA_MODELS;
  else process.env.OLLAMA_MODELS = savedModels;
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The prompt the server renders for a chat, with its `[img-N]` tags as libmtmd's markers. */
async function renderedChat(model: string, messages: unknown[]): Promise<string> {
  const { status, json } = await postJson(server, "/api/chat", { model, messages, _debug_render_only: true });
  assert.equal(status, 200, JSON.stringify(json));
  return (json._debug_info.rendered_template as string).replace(/\[img-\d+\]/g, MARKER);
}

for (const arch of ["qwen25vl", "qwen3vl"] as const) {
  test(`${arch}: images on M-RoPE positions give libmtmd's own greedy output in every API; cache hits across turns`, {
    skip,
    timeout: 900_000,
  }, async () => {
    const pair = await visionPair(arch);
    const model = `${arch}-mrope`;
    const files = {
      "model.gguf": await uploadBlob(server, pair.text),
      "mmproj.gguf": await uploadBlob(server, pair.mmproj),
    };
    const created = await postJson(server, "/api/create", { model, files, stream: false });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const generate = (prompt: string, imgs: string[], options: Record<string, unknown> = OPTIONS) =>
      postJson(server, "/api/generate", { model, prompt, images: imgs, raw: true, stream: false, options });

    // raw generate: each image's own output (asked twice: the second is a prefix-cache hit on the image)
    const wantA = await native(pair.text, pair.mmproj, `${MARKER}${PROMPT}`, [images.a]);
    const wantB = await native(pair.text, pair.mmproj, `${MARKER}${PROMPT}`, [images.b]);
    assert.notDeepEqual(wantA.ids, wantB.ids, "the reference gives the two images different output");
    for (const [image, want] of [[images.aBase64, wantA], [images.bBase64, wantB], [images.aBase64, wantA]] as const) {
      const { status, json } = await generate(`[img-0]${PROMPT}`, [image]);
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.response, want.text, "raw generate text");
      assert.equal(json.eval_count, want.ids.length);
    }

    // at once, batched with each other and with a text request (other slots, prefixes shared between them): each
    // still gets its own image's output
    const textOnly = await postJson(server, "/api/generate", {
      model,
      prompt: PROMPT,
      raw: true,
      stream: false,
      options: OPTIONS,
    });
    assert.equal(textOnly.status, 200, JSON.stringify(textOnly.json));
    const together = await Promise.all(
      ([[images.aBase64, wantA.text], [images.bBase64, wantB.text], [undefined, textOnly.json.response], [
        images.aBase64,
        wantA.text,
      ]] as const)
        .map(async ([image, want]) => {
          const { status, json } = image
            ? await generate(`[img-0]${PROMPT}`, [image])
            : await postJson(server, "/api/generate", {
              model,
              prompt: PROMPT,
              raw: true,
              stream: false,
              options: OPTIONS,
            });
          assert.equal(status, 200, JSON.stringify(json));
          return [json.response, want];
        }),
    );
    for (const [got, want] of together) assert.equal(got, want, "concurrent requests");

    // a prompt that ends with the image: the first generated token sits n_pos after the image's start
    const wantEnd = await native(pair.text, pair.mmproj, `${PROMPT}${MARKER}`, [images.b]);
    const end = await generate(`${PROMPT}[img-0]`, [images.bBase64]);
    assert.equal(end.status, 200, JSON.stringify(end.json));
    assert.equal(end.json.response, wantEnd.text, "a prompt ending with an image");

    // text before, between and after two images: positions advance by each image's n_pos
    const twoPrompt = `Look: ${MARKER} and ${MARKER} ${PROMPT}`;
    const wantTwo = await native(pair.text, pair.mmproj, twoPrompt, [images.a, images.b]);
    const two = await generate(`Look: [img-0] and [img-1] ${PROMPT}`, [images.aBase64, images.bBase64]);
    assert.equal(two.status, 200, JSON.stringify(two.json));
    assert.equal(two.json.response, wantTwo.text, "two images");

    // chat, then a second turn over the same image: the cached image and text are reused, the output still matches
    const question = "What is in this picture?";
    const first = [{ role: "user", content: question, images: [images.aBase64] }];
    const wantChat = await native(pair.text, pair.mmproj, await renderedChat(model, first), [images.a]);
    const chat = await postJson(server, "/api/chat", { model, messages: first, stream: false, options: OPTIONS });
    assert.equal(chat.status, 200, JSON.stringify(chat.json));
    assert.equal(chat.json.message.content, wantChat.text, "chat text");
    const second = [...first, { role: "assistant", content: chat.json.message.content }, {
      role: "user",
      content: "And its colours?",
    }];
    const wantSecond = await native(pair.text, pair.mmproj, await renderedChat(model, second), [images.a]);
    const turn = await postJson(server, "/api/chat", { model, messages: second, stream: false, options: OPTIONS });
    assert.equal(turn.status, 200, JSON.stringify(turn.json));
    assert.equal(turn.json.message.content, wantSecond.text, "second turn text");
    assert.ok(
      turn.json.prompt_eval_count < wantSecond.promptTokens,
      `the second turn reuses the cached prefix: ${turn.json.prompt_eval_count} of ${wantSecond.promptTokens} evaluated`,
    );

    // OpenAI's chat completions with a data URL: the same prompt as the first chat turn
    const openai = await postJson(server, "/v1/chat/completions", {
      model,
      messages: [{
        role: "user",
        content: [
          { type: "image_url", image_url: { url: `data:image/png;base64,${images.aBase64}` } },
          { type: "text", text: question },
        ],
      }],
      temperature: 0,
      max_tokens: N_GEN,
      seed: 1,
    });
    assert.equal(openai.status, 200, JSON.stringify(openai.json));
    assert.equal(openai.json.choices[0].message.content, wantChat.text, "OpenAI chat text");

    // a context the image prompt just fits: generation ends with "length" (no shift of M-RoPE positions), and a
    // prompt that does not fit is refused (an image is never cut); the server keeps serving
    const numCtxFits = wantA.promptTokens + 4;
    for (const [name, numCtx] of [["fits", numCtxFits], ["short", wantA.promptTokens - 4]] as const) {
      const made = await postJson(server, "/api/create", {
        model: `${model}-${name}`,
        files,
        parameters: { num_ctx: numCtx },
        stream: false,
      });
      assert.equal(made.status, 200, JSON.stringify(made.json));
    }
    const small = (name: string, image: string) =>
      postJson(server, "/api/generate", {
        model: `${model}-${name}`,
        prompt: `[img-0]${PROMPT}`,
        images: [image],
        raw: true,
        stream: false,
        options: { ...OPTIONS, num_predict: 64 },
      });
    // a loaded runner serves a smaller num_ctx as it is: unload it, then load the smaller context first
    const unloaded = await postJson(server, "/api/generate", { model, keep_alive: 0 });
    assert.equal(unloaded.status, 200, JSON.stringify(unloaded.json));
    const over = await small("short", images.aBase64);
    assert.ok(over.status >= 400 && over.status < 500, JSON.stringify(over.json));
    assert.equal(typeof over.json.error, "string");
    const full = await small("fits", images.aBase64);
    assert.equal(full.status, 200, JSON.stringify(full.json));
    assert.equal(full.json.done_reason, "length");
    assert.ok(
      full.json.eval_count > 0 && full.json.eval_count <= 4,
      `stopped at the context's end: ${full.json.eval_count}`,
    );
    assert.ok(wantA.text.startsWith(full.json.response), "the tokens before the end are the reference's");
    // text alone on the same small context: no shift either (llama.cpp would abort the process), "length" at the end
    const text = await postJson(server, "/api/generate", {
      model: `${model}-fits`,
      prompt: PROMPT,
      raw: true,
      stream: false,
      options: { ...OPTIONS, num_predict: 200 },
    });
    assert.equal(text.status, 200, JSON.stringify(text.json));
    assert.equal(text.json.done_reason, "length");
    assert.ok(text.json.eval_count < numCtxFits, `stopped at the context's end: ${text.json.eval_count}`);
    const again = await generate(`[img-0]${PROMPT}`, [images.bBase64]);
    assert.equal(again.status, 200, JSON.stringify(again.json));
    assert.equal(again.json.response, wantB.text);
  });
}
