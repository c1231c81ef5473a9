// Generation over real HTTP against a real server running a real model through libllama (raw prompts: no template).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { Ollama } from "ollama";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";

let server: TestServer;
let ollama: Ollama;

before(async () => {
  if (fixtureSkip("tiny-spm")) return;
  server = await startTestServer();
  await installGguf(server.store, "tiny:latest", await fixtureModel("tiny-spm"));
  ollama = new Ollama({ host: server.url });
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

const greedy = { temperature: 0, num_predict: 8, seed: 1 };

test("server generate: raw, streaming and not, same greedy text, Ollama's metrics", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const full = await ollama.generate({ model: "tiny", prompt: "Hello world", raw: true, stream: false, options: greedy });
  assert.equal(full.done, true);
  assert.equal(full.done_reason, "length");
  assert.equal(full.eval_count, 8);
  assert.ok(full.prompt_eval_count > 0);
  assert.ok(full.total_duration > full.eval_duration);
  assert.match(String(full.created_at), /^\d{4}-\d\d-\d\dT/);
  let streamed = "";
  let chunks = 0;
  let last;
  for await (const part of await ollama.generate({ model: "tiny", prompt: "Hello world", raw: true, stream: true, options: greedy })) {
    streamed += part.response;
    chunks++;
    last = part;
  }
  assert.equal(streamed, full.response);
  assert.ok(chunks > 2);
  assert.equal(last?.done, true);
});

test("server generate: format json and a JSON schema always parse and validate", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const schema = {
    type: "object",
    properties: {
      name: { type: "string", maxLength: 6 },
      ok: { type: "boolean" },
      n: { type: "integer" },
      tags: { type: "array", items: { enum: ["a", "b"] }, maxItems: 2 },
    },
    required: ["name", "ok", "n", "tags"],
  };
  for (const seed of [1, 2, 3]) {
    const r = await ollama.generate({
      model: "tiny",
      prompt: "JSON:",
      raw: true,
      stream: false,
      format: schema,
      options: { temperature: 1, seed, num_predict: 200 },
    });
    const value = JSON.parse(String(r.response));
    assert.deepEqual(Object.keys(value), ["name", "ok", "n", "tags"], r.response);
    assert.equal(typeof value.name, "string");
    assert.ok(value.name.length <= 6);
    assert.equal(typeof value.ok, "boolean");
    assert.ok(Number.isInteger(value.n));
    assert.ok(value.tags.every((t: string) => t === "a" || t === "b") && value.tags.length <= 2);
  }
});

test("server embed: /api/embed normalised, dimensions, legacy /api/embeddings, /v1/embeddings base64", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const r = await ollama.embed({ model: "tiny", input: ["hello", "world"] });
  assert.equal(r.embeddings.length, 2);
  const norm = Math.hypot(...r.embeddings[0]);
  assert.ok(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
  const cut = await ollama.embed({ model: "tiny", input: "hello", dimensions: 8 });
  assert.equal(cut.embeddings[0].length, 8);
  assert.ok(Math.abs(Math.hypot(...cut.embeddings[0]) - 1) < 1e-4);
  const legacy = await ollama.embeddings({ model: "tiny", prompt: "hello" });
  assert.equal(legacy.embedding.length, r.embeddings[0].length);
  const long = "word ".repeat(5000);
  await assert.rejects(ollama.embed({ model: "tiny", input: long, truncate: false }), /^ResponseError: the input length exceeds the context length$|the input length exceeds the context length/);
  const cutToFit = await ollama.embed({ model: "tiny", input: long });
  assert.equal(cutToFit.embeddings.length, 1);
  const empty = await ollama.embed({ model: "tiny", input: [] });
  assert.deepEqual(empty.embeddings, []);
  const res = await fetch(server.url + "/v1/embeddings", {
    method: "POST",
    body: JSON.stringify({ model: "tiny", input: "hello", encoding_format: "base64" }),
  });
  const body = await res.json();
  const bytes = Uint8Array.from(atob(body.data[0].embedding), (c) => c.charCodeAt(0));
  assert.equal(bytes.length / 4, r.embeddings[0].length);
  assert.ok(body.usage.prompt_tokens > 0);
});

test("server ps, keep_alive 0 unload, empty prompt load", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const loaded = await ollama.generate({ model: "tiny", prompt: "", keep_alive: "1m" });
  assert.equal(loaded.done_reason, "load");
  const ps = await ollama.ps();
  assert.equal(ps.models.length, 1);
  assert.equal(ps.models[0].name, "tiny:latest");
  assert.ok(ps.models[0].size > 1_000_000);
  // weights and the KV cache: more than the file alone
  const { size: fileSize } = await stat(await fixtureModel("tiny-spm"));
  assert.ok(ps.models[0].size > fileSize, `${ps.models[0].size} vs file ${fileSize}`);
  assert.ok((ps.models[0] as unknown as { context_length: number }).context_length > 0);
  assert.ok(Date.parse(String(ps.models[0].expires_at)) > Date.now());
  const unloaded = await ollama.generate({ model: "tiny", prompt: "", keep_alive: 0 });
  assert.equal(unloaded.done_reason, "unload");
  assert.deepEqual((await ollama.ps()).models, []);
});

test("server generate: a client leaving mid-stream stops generation and frees the runner", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const abort = new AbortController();
  const res = await fetch(server.url + "/api/generate", {
    method: "POST",
    signal: abort.signal,
    body: JSON.stringify({ model: "tiny", prompt: "Once", raw: true, options: { num_predict: 100000, temperature: 1 } }),
  });
  const reader = res.body!.getReader();
  await reader.read();
  abort.abort();
  await reader.cancel().catch(() => {});
  // The runner must be free again: the next request is served promptly (parallel is 1).
  const started = Date.now();
  const next = await ollama.generate({ model: "tiny", prompt: "Hi", raw: true, stream: false, options: greedy });
  assert.equal(next.done, true);
  assert.ok(Date.now() - started < 10_000);
  const status = server.scheduler.list();
  assert.equal(status[0].active, 0);
});

test("server generate: a client leaving a non-streamed request stops its generation too", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const abort = new AbortController();
  const pending = fetch(server.url + "/api/generate", {
    method: "POST",
    signal: abort.signal,
    body: JSON.stringify({ model: "tiny", prompt: "Once", raw: true, stream: false, options: { num_predict: 1_000_000, temperature: 1 } }),
  }).catch(() => undefined);
  // Wait until the request is generating, then hang up.
  const busy = () => server.scheduler.list().some((m) => m.active > 0);
  for (let i = 0; i < 200 && !busy(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(busy(), "the request never started");
  abort.abort();
  await pending;
  const stopped = Date.now();
  while (busy() && Date.now() - stopped < 10_000) await new Promise((r) => setTimeout(r, 25));
  assert.equal(busy(), false, "generation went on after the client left");
});

test("server logprobs: greedy tokens are the top-1 of their step, streamed and collected alike", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const options = { temperature: 0, num_predict: 10 };
  const full = await ollama.generate({ model: "tiny", prompt: "Hello world", raw: true, stream: false, options, logprobs: true, top_logprobs: 4 });
  const entries = full.logprobs ?? [];
  assert.equal(entries.length, full.eval_count);
  assert.equal(entries.map((e) => e.token).join(""), full.response);
  for (const e of entries) {
    assert.ok(e.logprob <= 0);
    assert.equal(e.top_logprobs?.length, 4);
    assert.equal(e.top_logprobs![0].token, e.token);
    assert.equal(e.top_logprobs![0].logprob, e.logprob);
    assert.ok(e.top_logprobs!.every((t) => t.logprob <= e.logprob));
    assert.deepEqual((e as unknown as { bytes: number[] }).bytes, [...new TextEncoder().encode(e.token)]);
    assert.ok(e.top_logprobs!.reduce((s, t) => s + Math.exp(t.logprob), 0) <= 1 + 1e-6);
  }
  const streamed = [];
  for await (const part of await ollama.generate({ model: "tiny", prompt: "Hello world", raw: true, stream: true, options, logprobs: true, top_logprobs: 4 })) {
    streamed.push(...part.logprobs ?? []);
  }
  // the same tokens; figures equal up to float noise (the second run reuses the cached prompt)
  assert.deepEqual(streamed.map((e) => e.token), entries.map((e) => e.token));
  streamed.forEach((e, i) => assert.ok(Math.abs(e.logprob - entries[i].logprob) < 1e-3));
  // logprobs without top_logprobs: no top list; none at all unless asked
  const plain = await ollama.generate({ model: "tiny", prompt: "Hello world", raw: true, stream: false, options, logprobs: true });
  assert.equal(plain.logprobs?.length, full.eval_count);
  assert.ok(plain.logprobs!.every((e) => e.top_logprobs === undefined));
  const none = await ollama.generate({ model: "tiny", prompt: "Hello world", raw: true, stream: false, options });
  assert.equal(none.logprobs, undefined);
  const chat = await ollama.chat({ model: "tiny", messages: [{ role: "user", content: "Hi" }], stream: false, options, logprobs: true, top_logprobs: 2 });
  assert.equal(chat.logprobs?.length, chat.eval_count);
  assert.ok(chat.logprobs!.every((e) => e.top_logprobs![0].logprob === e.logprob));
  const bad = await fetch(server.url + "/api/generate", {
    method: "POST",
    body: JSON.stringify({ model: "tiny", prompt: "x", logprobs: true, top_logprobs: 21 }),
  });
  assert.equal(bad.status, 400);
});

test("server prompt_eval_count: a chat's second turn counts only the tokens computed, usage the whole prompt", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const options = { temperature: 0, num_predict: 6 };
  const first = [{ role: "user", content: "Tell me about the sea and the sky" }];
  const one = await ollama.chat({ model: "tiny", messages: first, stream: false, options });
  const second = [...first, { role: "assistant", content: one.message.content }, { role: "user", content: "And the moon?" }];
  const two = await ollama.chat({ model: "tiny", messages: second, stream: false, options });
  // OpenAI's usage counts the whole prompt (the same one, now wholly cached)
  const res = await fetch(server.url + "/v1/chat/completions", {
    method: "POST",
    body: JSON.stringify({ model: "tiny", messages: second, max_tokens: 6, temperature: 0 }),
  });
  const whole = (await res.json()).usage.prompt_tokens;
  assert.ok(whole > one.prompt_eval_count, `${whole} vs ${one.prompt_eval_count}`);
  assert.ok(two.prompt_eval_count < whole, `${two.prompt_eval_count} computed of ${whole}`);
  assert.ok(two.prompt_eval_count > 0);
});
