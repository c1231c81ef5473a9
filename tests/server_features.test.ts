// Template-driven features over real HTTP: thinking split, fill-in-the-middle (suffix), system/template overrides,
// keep_alive strings, truncation of long conversations.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Ollama } from "ollama";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { THINKING_TEMPLATE } from "./helpers/templates.ts";

const FIM_TEMPLATE = `{{ if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>{{ else }}{{ .Prompt }}{{ end }}`;
const skip = fixtureSkip("tiny-spm");
const opts = { skip, timeout: 120_000 };

let server: TestServer;
let ollama: Ollama;
before(async () => {
  if (skip) return;
  server = await startTestServer();
  const gguf = await fixtureModel("tiny-spm");
  await installGguf(server.store, "thinker:latest", gguf, { template: THINKING_TEMPLATE });
  await installGguf(server.store, "fim:latest", gguf, { template: FIM_TEMPLATE });
  ollama = new Ollama({ host: server.url });
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

test("server: think splits output into thinking (prompt ends in <think>), think:false keeps it all content", opts, async () => {
  const shown = await ollama.show({ model: "thinker" });
  assert.ok(shown.capabilities?.includes("thinking"), JSON.stringify(shown.capabilities));
  const messages = [{ role: "user", content: "Why?" }];
  const thought = await ollama.chat({ model: "thinker", messages, think: true, stream: false, options: { temperature: 0, num_predict: 8 } });
  assert.ok((thought.message.thinking ?? "").length > 0, JSON.stringify(thought.message));
  assert.equal(thought.message.content, "");
  const plain = await ollama.chat({ model: "thinker", messages, think: false, stream: false, options: { temperature: 0, num_predict: 8 } });
  assert.equal(plain.message.thinking, undefined);
  let streamedThinking = "";
  for await (const part of await ollama.chat({ model: "thinker", messages, think: true, stream: true, options: { temperature: 0, num_predict: 8 } })) {
    streamedThinking += part.message.thinking ?? "";
  }
  assert.equal(streamedThinking, thought.message.thinking);
  await assert.rejects(ollama.chat({ model: "fim", messages, think: "loud" as never }), /invalid think value/);
});

test("server: suffix needs the insert capability and renders the FIM template", opts, async () => {
  const r = await ollama.generate({ model: "fim", prompt: "def f(", suffix: "return x", stream: false, options: { temperature: 0, num_predict: 4 } });
  assert.equal(r.done, true);
  await assert.rejects(
    ollama.generate({ model: "thinker", prompt: "a", suffix: "b" }),
    /registry.ollama.ai\/library\/thinker:latest does not support insert/,
  );
});

test("server: system and template overrides, keep_alive strings, raw with context refused", opts, async () => {
  const a = await ollama.generate({ model: "fim", prompt: "Hi", system: "S", template: "{{ .System }}|{{ .Prompt }}|", stream: false, keep_alive: "2m", options: { temperature: 0, num_predict: 2 } });
  assert.equal(a.done, true);
  // fim and thinker share one GGUF blob, so one runner (keyed by the blob, as Ollama's) serves both.
  const ps = await ollama.ps();
  assert.equal(ps.models.length, 1);
  const expires = Date.parse(String(ps.models[0].expires_at));
  assert.ok(expires > Date.now() + 60_000 && expires <= Date.now() + 121_000);
  // Negative keeps the model loaded forever: a far-future expiry.
  await ollama.generate({ model: "fim", prompt: "", keep_alive: -1 });
  const forever = Date.parse(String((await ollama.ps()).models[0].expires_at));
  assert.ok(new Date(forever).getUTCFullYear() > 2100);
  const bad = await fetch(server.url + "/api/generate", { method: "POST", body: JSON.stringify({ model: "fim", prompt: "x", keep_alive: "soon" }) });
  assert.deepEqual([bad.status, await bad.json()], [400, { error: 'time: invalid duration "soon"' }]);
  await assert.rejects(ollama.generate({ model: "fim", prompt: "x", raw: true, context: [1, 2] }), /raw mode does not support/);
});

test("server: a conversation longer than num_ctx is truncated from the front, not refused", opts, async () => {
  const long = Array.from({ length: 40 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `message ${i} `.repeat(20) }));
  const r = await ollama.chat({ model: "thinker", messages: long, stream: false, options: { num_ctx: 256, num_predict: 2, temperature: 0 } });
  assert.equal(r.done, true);
  assert.ok(r.prompt_eval_count! <= 256, String(r.prompt_eval_count));
});

test("server: context continues token-exactly and refuses ids outside the vocabulary", opts, async () => {
  const first = await ollama.generate({ model: "fim", prompt: "One", stream: false, options: { temperature: 0, num_predict: 3 } });
  const second = await ollama.generate({ model: "fim", prompt: " two", context: first.context, stream: false, options: { temperature: 0, num_predict: 3 } });
  assert.deepEqual(second.context!.slice(0, first.context!.length), first.context);
  const bad = await fetch(server.url + "/api/generate", { method: "POST", body: JSON.stringify({ model: "fim", prompt: "x", context: [1, 99999999] }) });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /token id 99999999/);
});

test("server: _debug_render_only returns the rendered prompt without generating", opts, async () => {
  const res = await fetch(server.url + "/api/chat", {
    method: "POST",
    body: JSON.stringify({ model: "thinker", messages: [{ role: "user", content: "Hello" }], think: false, _debug_render_only: true }),
  });
  const body = await res.json();
  assert.equal(body._debug_info.rendered_template, "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
  assert.equal(body._debug_info.image_count, 0);
  const gen = await (await fetch(server.url + "/api/generate", {
    method: "POST",
    body: JSON.stringify({ model: "fim", prompt: "a", suffix: "b", _debug_render_only: true }),
  })).json();
  assert.equal(gen._debug_info.rendered_template, "<PRE> a <SUF>b <MID>");
});

test("server: shift:false refuses a prompt longer than the context with Ollama's 400", opts, async () => {
  const prompt = "word ".repeat(3000);
  const res = await fetch(server.url + "/api/generate", {
    method: "POST",
    body: JSON.stringify({ model: "fim", prompt, raw: true, shift: false, stream: false, options: { num_predict: 2 } }),
  });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error, /^the prompt is longer than the context length currently available to the model/);
  // With shift (the default) the same prompt is cut in the middle and answered.
  const shifted = await fetch(server.url + "/api/generate", {
    method: "POST",
    body: JSON.stringify({ model: "fim", prompt, raw: true, stream: false, options: { num_predict: 2 } }),
  });
  assert.equal(shifted.status, 200);
  const cut = await shifted.json();
  assert.equal(cut.done, true);
  // the engine's count of dropped prompt tokens (tollama addition), absent when nothing was dropped
  assert.ok(cut.truncated > 0, JSON.stringify(cut));
  // truncate:false refuses it too, even with shift on
  const refused = await fetch(server.url + "/api/generate", {
    method: "POST",
    body: JSON.stringify({ model: "fim", prompt, raw: true, truncate: false, stream: false, options: { num_predict: 2 } }),
  });
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).error, /^the prompt is longer than the context length/);
  const short = await (await fetch(server.url + "/api/generate", {
    method: "POST",
    body: JSON.stringify({ model: "fim", prompt: "word", raw: true, stream: false, options: { num_predict: 2 } }),
  })).json();
  assert.equal("truncated" in short, false);
  // /api/chat: one message too long for the context (nothing older to drop) is cut by the engine, and says so
  const chunks = [];
  for await (
    const part of await ollama.chat({ model: "fim", messages: [{ role: "user", content: prompt }], stream: true, options: { num_predict: 2 } })
  ) chunks.push(part);
  const last = chunks.at(-1) as unknown as { done: boolean; truncated?: number };
  assert.equal(last.done, true);
  assert.ok((last.truncated ?? 0) > 0);
  assert.ok(chunks.slice(0, -1).every((c) => !("truncated" in c)));
  const noShift = await fetch(server.url + "/api/chat", {
    method: "POST",
    body: JSON.stringify({ model: "fim", messages: [{ role: "user", content: prompt }], shift: false, stream: false }),
  });
  assert.equal(noShift.status, 400);
});

test("server: a model whose GGUF is corrupt answers a clear error and leaves nothing loaded", opts, async () => {
  const { writeFile } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const bogus = join(server.dir, "bogus.gguf");
  await writeFile(bogus, new Uint8Array([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0, 1, 2, 3]));
  await installGguf(server.store, "bogus:latest", bogus);
  const before = (await ollama.ps()).models.length;
  const res = await fetch(server.url + "/api/generate", { method: "POST", body: JSON.stringify({ model: "bogus", prompt: "x" }) });
  assert.equal(res.status, 500);
  assert.match((await res.json()).error, /GGUF|gguf/);
  assert.equal((await ollama.ps()).models.length, before);
  assert.equal((await fetch(server.url + "/")).status, 200);
});
