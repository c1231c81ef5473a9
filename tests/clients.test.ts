// The real clients (ollama, openai, @langchain/ollama) against a real server running a real model through libllama.
// The fixture model's weights are random, so every assertion is about shape, constraints and round trips; tool
// calls are made deterministic by a grammar (a format schema, or OpenAI tool_choice).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { ChatOllama, OllamaEmbeddings } from "@langchain/ollama";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { TOOLS_NO_SYSTEM_TEMPLATE } from "./helpers/templates.ts";

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather in a city",
    parameters: { type: "object", properties: { city: { type: "string", enum: ["Paris", "Oslo"] } }, required: ["city"] },
  },
};
const greedy = { temperature: 0, num_predict: 8 };

let server: TestServer;
let ollama: Ollama;
let openai: OpenAI;

before(async () => {
  if (fixtureSkip("tiny-spm")) return;
  server = await startTestServer();
  await installGguf(server.store, "tiny:latest", await fixtureModel("tiny-spm"));
  await installGguf(server.store, "tooly:latest", await fixtureModel("tiny-spm"), { template: TOOLS_NO_SYSTEM_TEMPLATE, system: "You are terse." });
  await installGguf(server.store, "emb:latest", await fixtureModel("embed"));
  ollama = new Ollama({ host: server.url });
  openai = new OpenAI({ baseURL: server.url + "/v1", apiKey: "unused" });
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

test("ollama client: chat with the GGUF's Jinja template, streaming and not", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const messages = [{ role: "user", content: "Hello" }];
  const full = await ollama.chat({ model: "tiny", messages, stream: false, options: greedy });
  assert.equal(full.message.role, "assistant");
  assert.equal(full.done, true);
  assert.ok(full.eval_count! <= 8);
  assert.ok(full.prompt_eval_count! > 3);
  let text = "";
  for await (const part of await ollama.chat({ model: "tiny", messages, stream: true, options: greedy })) {
    text += part.message.content;
  }
  assert.equal(text, full.message.content);
});

test("ollama client: generate renders the template and returns a context that continues", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const first = await ollama.generate({ model: "tooly", prompt: "Hi", stream: false, options: greedy });
  assert.ok(Array.isArray(first.context) && first.context.length > first.prompt_eval_count! - 1);
  const second = await ollama.generate({ model: "tooly", prompt: "More", context: first.context, stream: false, options: greedy });
  // the second prompt continues the first: its context extends the first one (prompt_eval_count counts only the tokens
  // computed, and the first context comes back from the prefix cache)
  assert.ok(second.context!.length > first.context!.length);
  assert.deepEqual(second.context!.slice(0, first.context!.length), first.context);
});

test("ollama client: chat format schema output validates", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const schema = { type: "object", properties: { answer: { type: "string", maxLength: 10 }, score: { type: "number" } }, required: ["answer", "score"] };
  const r = await ollama.chat({ model: "tiny", messages: [{ role: "user", content: "JSON" }], format: schema, stream: false, options: { temperature: 1, seed: 7, num_predict: 100 } });
  const value = JSON.parse(r.message.content);
  assert.deepEqual(Object.keys(value), ["answer", "score"]);
  assert.equal(typeof value.score, "number");
});

test("ollama client: tools round trip (call steered by a format grammar, result sent back)", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const callSchema = {
    type: "object",
    properties: { name: { const: "get_weather" }, arguments: { type: "object", properties: { city: { enum: ["Paris"] } }, required: ["city"] } },
    required: ["name", "arguments"],
  };
  const messages: Array<Record<string, unknown>> = [{ role: "user", content: "Weather in Paris?" }];
  const r = await ollama.chat({ model: "tooly", messages: messages as never, tools: [weatherTool] as never, format: callSchema, stream: false, options: { temperature: 0, num_predict: 60 } });
  assert.equal(r.message.content, "");
  assert.equal(r.message.tool_calls?.length, 1);
  assert.equal(r.message.tool_calls![0].function.name, "get_weather");
  assert.deepEqual(r.message.tool_calls![0].function.arguments, { city: "Paris" });
  messages.push(r.message as never, { role: "tool", content: "18 C and sunny", tool_name: "get_weather" });
  const followUp = await ollama.chat({ model: "tooly", messages: messages as never, tools: [weatherTool] as never, stream: false, options: greedy });
  assert.equal(followUp.done, true);
  // Streaming delivers the same call as one whole object in a chunk.
  const calls = [];
  for await (const part of await ollama.chat({ model: "tooly", messages: [messages[0]] as never, tools: [weatherTool] as never, format: callSchema, stream: true, options: { temperature: 0, num_predict: 60 } })) {
    calls.push(...part.message.tool_calls ?? []);
  }
  assert.deepEqual(calls.map((c) => c.function.arguments), [{ city: "Paris" }]);
});

test("ollama client: capability errors (tools, chat on an embedding model)", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  await assert.rejects(
    ollama.chat({ model: "tiny", messages: [{ role: "user", content: "x" }], tools: [weatherTool] as never }),
    /registry.ollama.ai\/library\/tiny:latest does not support tools/,
  );
  await assert.rejects(ollama.chat({ model: "emb", messages: [{ role: "user", content: "x" }] }), /"emb" does not support chat/);
  // The embedding-only model embeds (loaded as an embedding model: pooled by the GGUF's pooling type).
  const pooled = await ollama.embed({ model: "emb", input: ["a", "b c"] });
  assert.equal(pooled.embeddings.length, 2);
  assert.ok(Math.abs(Math.hypot(...pooled.embeddings[1]) - 1) < 1e-4);
  await assert.rejects(ollama.generate({ model: "emb", prompt: "x" }), /"emb" does not support generate/);
  await assert.rejects(ollama.generate({ model: "tiny", prompt: "x", think: true }), /"tiny" does not support thinking/);
  await assert.rejects(ollama.generate({ model: "tiny", prompt: "x", options: { temperature: "hot" } as never }), /option "temperature" must be of type float32/);
});

test("openai client: chat completions, streaming with usage, tool_choice honoured, json_schema", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const r = await openai.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "Hi" }], max_tokens: 6, temperature: 0 });
  assert.equal(r.object, "chat.completion");
  assert.match(r.id, /^chatcmpl-/);
  assert.ok(r.usage!.completion_tokens <= 6);
  const stream = await openai.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "Hi" }], max_tokens: 6, temperature: 0, stream: true, stream_options: { include_usage: true } });
  let text = "";
  let finish: string | null = null;
  let usage;
  for await (const chunk of stream) {
    if (chunk.choices[0]) {
      text += chunk.choices[0].delta.content ?? "";
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, r.choices[0].message.content);
  assert.ok(finish === "stop" || finish === "length");
  assert.equal(usage?.total_tokens, r.usage!.total_tokens);

  const forced = await openai.chat.completions.create({
    model: "tooly",
    messages: [{ role: "user", content: "Weather?" }],
    tools: [weatherTool as never],
    tool_choice: { type: "function", function: { name: "get_weather" } },
    max_tokens: 60,
  });
  const call = forced.choices[0].message.tool_calls![0] as { function: { name: string; arguments: string } };
  assert.equal(forced.choices[0].finish_reason, "tool_calls");
  assert.equal(call.function.name, "get_weather");
  assert.ok(["Paris", "Oslo"].includes(JSON.parse(call.function.arguments).city));
  const none = await openai.chat.completions.create({ model: "tooly", messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool as never], tool_choice: "none", max_tokens: 4 });
  assert.equal(none.choices[0].message.tool_calls, undefined);

  const structured = await openai.chat.completions.create({
    model: "tiny",
    messages: [{ role: "user", content: "JSON" }],
    response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] } } },
    max_tokens: 40,
  });
  assert.equal(typeof JSON.parse(structured.choices[0].message.content!).ok, "boolean");
});

test("openai client: completions, embeddings, models; errors in OpenAI's shape", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const c = await openai.completions.create({ model: "tiny", prompt: "Once", max_tokens: 5, temperature: 0 });
  assert.equal(c.object, "text_completion");
  assert.ok(c.usage!.completion_tokens <= 5);
  let streamed = "";
  for await (const chunk of await openai.completions.create({ model: "tiny", prompt: "Once", max_tokens: 5, temperature: 0, stream: true })) {
    streamed += chunk.choices[0]?.text ?? "";
  }
  assert.equal(streamed, c.choices[0].text);
  const e = await openai.embeddings.create({ model: "tiny", input: ["a", "b"] });
  assert.equal(e.data.length, 2);
  assert.ok(Math.abs(Math.hypot(...e.data[0].embedding) - 1) < 1e-4);
  const models = await openai.models.list();
  assert.deepEqual(models.data.map((m) => m.id).sort(), ["emb:latest", "tiny:latest", "tooly:latest"]);
  assert.equal((await openai.models.retrieve("tiny:latest")).id, "tiny:latest");
  await assert.rejects(openai.chat.completions.create({ model: "missing", messages: [{ role: "user", content: "x" }] }), (err: { status?: number; message: string }) => {
    assert.equal(err.status, 404);
    assert.match(err.message, /model 'missing' not found/);
    return true;
  });
});

test("@langchain/ollama: ChatOllama invoke and stream, OllamaEmbeddings", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const chat = new ChatOllama({ baseUrl: server.url, model: "tiny", temperature: 0, numPredict: 6 });
  const reply = await chat.invoke("Hello");
  assert.equal(typeof reply.content, "string");
  let streamed = "";
  for await (const chunk of await chat.stream("Hello")) streamed += chunk.content;
  assert.equal(streamed, reply.content);
  const embeddings = new OllamaEmbeddings({ baseUrl: server.url, model: "tiny" });
  const vector = await embeddings.embedQuery("hello");
  assert.ok(vector.length > 0);
});

test("logprobs through the clients: ollama, openai chat and legacy completions", { timeout: 120_000, skip: fixtureSkip("tiny-spm") }, async () => {
  const r = await ollama.chat({ model: "tiny", messages: [{ role: "user", content: "Hi" }], options: greedy, logprobs: true, top_logprobs: 3, stream: false });
  assert.equal(r.logprobs?.length, r.eval_count);
  for (const e of r.logprobs!) assert.equal(e.top_logprobs![0].token, e.token);
  const chat = await openai.chat.completions.create({
    model: "tiny",
    messages: [{ role: "user", content: "Hi" }],
    temperature: 0,
    max_tokens: 8,
    logprobs: true,
    top_logprobs: 3,
  });
  const content = chat.choices[0].logprobs?.content ?? [];
  assert.equal(content.length, chat.usage?.completion_tokens);
  assert.equal(content.map((c) => c.token).join(""), chat.choices[0].message.content);
  for (const c of content) {
    assert.ok(c.logprob <= 0);
    assert.equal(c.top_logprobs.length, 3);
    assert.equal(c.top_logprobs[0].token, c.token);
    assert.equal(c.top_logprobs[0].logprob, c.logprob);
    assert.deepEqual(c.bytes, [...new TextEncoder().encode(c.token)]);
  }
  const stream = await openai.chat.completions.create({
    model: "tiny",
    messages: [{ role: "user", content: "Hi" }],
    temperature: 0,
    max_tokens: 8,
    logprobs: true,
    top_logprobs: 3,
    stream: true,
  });
  const streamed = [];
  for await (const part of stream) streamed.push(...part.choices[0]?.logprobs?.content ?? []);
  assert.deepEqual(streamed.map((c) => c.token), content.map((c) => c.token));
  streamed.forEach((c, i) => assert.ok(Math.abs(c.logprob - content[i].logprob) < 1e-3));
  const legacy = await openai.completions.create({ model: "tiny", prompt: "Hello", temperature: 0, max_tokens: 5, logprobs: 2 });
  const lp = legacy.choices[0].logprobs!;
  assert.equal(lp.tokens!.length, 5);
  assert.equal(lp.token_logprobs!.length, 5);
  assert.deepEqual(lp.text_offset, lp.tokens!.map((_, i) => lp.tokens!.slice(0, i).join("").length));
  lp.tokens!.forEach((token, i) => {
    const top = lp.top_logprobs![i];
    assert.equal(Object.keys(top).length <= 2, true);
    assert.equal(Math.max(...Object.values(top)), lp.token_logprobs![i]);
    assert.ok(token in top);
  });
  const without = await openai.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "Hi" }], max_tokens: 4 });
  assert.equal(without.choices[0].logprobs ?? null, null);
});
