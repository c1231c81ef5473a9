// GET /metrics after real requests against a real server and a fixture model, read back with a real Prometheus
// text parser (tests/helpers/prometheus.ts): every value is checked against what the requests did.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { parseMetrics, type ParsedMetrics } from "./helpers/prometheus.ts";
import { registrySkip, seedRegistry, startRegistry } from "./helpers/registry.ts";
import { serve } from "../src/server/mod.ts";
import { config } from "../src/config.ts";

const skip = fixtureSkip("tiny-spm");
let server: TestServer;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  await installGguf(server.store, "tiny:latest", await fixtureModel("tiny-spm"));
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

async function post(path: string, body: unknown): Promise<Response> {
  return await fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify(body) });
}

async function scrape(url: string): Promise<ParsedMetrics> {
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  return parseMetrics(await response.text());
}

/** A histogram's buckets are cumulative and end in +Inf equal to its count. */
function assertHistogram(m: ParsedMetrics, name: string, labels: Record<string, string>, count: number): void {
  const buckets = m.find(`${name}_bucket`, labels);
  assert.ok(buckets.length > 1, `${name} has buckets`);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, `${name} cumulative`);
  assert.equal(buckets.at(-1)?.labels.le, "+Inf");
  assert.equal(buckets.at(-1)?.value, count);
  assert.equal(m.value(`${name}_count`, labels), count);
}

const options = { temperature: 0, num_predict: 4, seed: 1, num_ctx: 256 };

test("GET /metrics counts requests by route pattern and status, tokens, cache reuse, speed and loaded models", {
  timeout: 180_000,
  skip,
}, async () => {
  // Two identical prompts (the second reuses the first's prefix from the KV cache), then one streamed: each
  // answer's context gives its whole prompt (context = prompt + output), prompt_eval_count what was computed.
  const generations: Array<{ promptTokens: number; computed: number; evalCount: number }> = [];
  for (const stream of [false, false, true]) {
    const response = await post("/api/generate", { model: "tiny", prompt: "Hello world, once more", stream, options });
    assert.equal(response.status, 200);
    const body = JSON.parse((await response.text()).trim().split("\n").at(-1)!);
    assert.equal(body.done, true);
    generations.push({ promptTokens: body.context.length - body.eval_count, computed: body.prompt_eval_count, evalCount: body.eval_count });
  }
  assert.ok(generations[1].computed < generations[1].promptTokens, "the second generate reused a cached prefix");
  // Errors and other routes.
  assert.equal((await post("/api/show", { model: "missing" })).status, 404);
  const digest = `sha256:${"0".repeat(64)}`;
  assert.equal((await fetch(`${server.url}/api/blobs/${digest}`, { method: "HEAD" })).status, 404);
  assert.equal((await fetch(`${server.url}/api/tags`)).status, 200);
  assert.equal((await fetch(`${server.url}/no/such/path`)).status, 404);
  const ps = await (await fetch(`${server.url}/api/ps`)).json();

  const m = await scrape(server.url);
  for (
    const [name, type] of [
      ["tollama_http_requests_total", "COUNTER"],
      ["tollama_http_request_duration_seconds", "HISTOGRAM"],
      ["tollama_http_requests_in_flight", "GAUGE"],
      ["tollama_time_to_first_token_seconds", "HISTOGRAM"],
      ["tollama_prompt_tokens_total", "COUNTER"],
      ["tollama_generated_tokens_total", "COUNTER"],
      ["tollama_generation_tokens_per_second", "HISTOGRAM"],
      ["tollama_pull_bytes_total", "COUNTER"],
      ["tollama_queue_depth", "GAUGE"],
      ["tollama_models_loaded", "GAUGE"],
      ["tollama_model_memory_bytes", "GAUGE"],
      ["tollama_model_active_requests", "GAUGE"],
    ]
  ) {
    assert.equal(m.families.get(name)?.type, type, name);
    assert.ok(m.families.get(name)?.help, `${name} has HELP`);
  }
  const requests = (p: ParsedMetrics, method: string, route: string, status: string) =>
    p.value("tollama_http_requests_total", { method, route, status });
  assert.equal(requests(m, "POST", "/api/generate", "200"), 3);
  assert.equal(requests(m, "POST", "/api/show", "404"), 1);
  assert.equal(requests(m, "HEAD", "/api/blobs/:digest", "404"), 1);
  assert.equal(requests(m, "GET", "/api/tags", "200"), 1);
  assert.equal(requests(m, "GET", "/api/ps", "200"), 1);
  assert.equal(requests(m, "GET", "unmatched", "404"), 1);
  // Route patterns only: no raw path (a digest, an unknown path) became a label value.
  for (const sample of m.find("tollama_http_requests_total")) assert.doesNotMatch(sample.labels.route, /sha256|no\/such/);
  assertHistogram(m, "tollama_http_request_duration_seconds", { method: "POST", route: "/api/generate" }, 3);
  // the scrape itself is the one request in flight
  assert.equal(m.value("tollama_http_requests_in_flight"), 1);

  const model = { model: "tiny:latest" };
  const sum = (f: (g: typeof generations[number]) => number) => generations.reduce((n, g) => n + f(g), 0);
  const reused = (p: ParsedMetrics) => p.value("tollama_prompt_tokens_total", { ...model, cache: "reused" });
  const computed = (p: ParsedMetrics) => p.value("tollama_prompt_tokens_total", { ...model, cache: "computed" });
  const generated = (p: ParsedMetrics) => p.value("tollama_generated_tokens_total", model);
  assert.equal(computed(m), sum((g) => g.computed));
  assert.equal(reused(m), sum((g) => g.promptTokens - g.computed));
  assert.equal(generated(m), sum((g) => g.evalCount));
  assertHistogram(m, "tollama_time_to_first_token_seconds", model, 3);
  assertHistogram(m, "tollama_generation_tokens_per_second", model, 3);
  assert.ok(m.value("tollama_generation_tokens_per_second_sum", model) > 0);
  assert.ok(m.value("tollama_time_to_first_token_seconds_sum", model) > 0);

  assert.equal(m.value("tollama_queue_depth"), 0);
  assert.equal(m.value("tollama_models_loaded"), 1);
  assert.ok(ps.models[0].size > 0);
  assert.equal(m.value("tollama_model_memory_bytes", model), ps.models[0].size);
  assert.equal(m.value("tollama_model_active_requests", model), 0);

  // A streamed chat: counted once its last line has gone, with its computed prompt and its output.
  const chat = await post("/api/chat", { model: "tiny", messages: [{ role: "user", content: "hi" }], options });
  const last = JSON.parse((await chat.text()).trim().split("\n").at(-1)!);
  assert.equal(last.done, true);
  const m2 = await scrape(server.url);
  assert.equal(requests(m2, "POST", "/api/chat", "200"), 1);
  assertHistogram(m2, "tollama_http_request_duration_seconds", { method: "POST", route: "/api/chat" }, 1);
  assert.equal(computed(m2), computed(m) + last.prompt_eval_count);
  assert.equal(generated(m2), generated(m) + last.eval_count);

  // The OpenAI route feeds the same counters: its usage says the whole prompt and the output.
  const openai = await post("/v1/chat/completions", { model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 3, temperature: 0 });
  const usage = (await openai.json()).usage;
  const m3 = await scrape(server.url);
  assert.equal(generated(m3), generated(m2) + usage.completion_tokens);
  assert.equal(reused(m3) + computed(m3), reused(m2) + computed(m2) + usage.prompt_tokens);
  assert.equal(requests(m3, "POST", "/v1/chat/completions", "200"), 1);
  assert.equal(requests(m3, "GET", "/metrics", "200"), 2);
  assertHistogram(m3, "tollama_time_to_first_token_seconds", model, 5);
});

test("tollama_pull_bytes_total counts the bytes a pull downloads, not blobs already present", {
  timeout: 120_000,
  skip: skip || registrySkip(),
}, async () => {
  await using registry = await startRegistry();
  const weights = new Uint8Array(await readFile(await fixtureModel("tiny-spm")));
  const configBytes = new TextEncoder().encode(JSON.stringify({ model_format: "gguf", model_family: "llama" }));
  const sha = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: sha(configBytes), size: configBytes.length },
    layers: [{ mediaType: "application/vnd.ollama.image.model", digest: sha(weights), size: weights.length }],
  }));
  await seedRegistry(registry, "library/pulled", "latest", new Map([[sha(weights), weights], [sha(configBytes), configBytes]]), manifest);
  const dir = await mkdtemp(join(tmpdir(), "tollama-metrics-pull-"));
  const pulling = await serve({ hostname: "127.0.0.1", port: 0, modelsDir: dir });
  try {
    const pull = () =>
      fetch(`${pulling.url}/api/pull`, {
        method: "POST",
        body: JSON.stringify({ model: `${registry.host}/library/pulled`, insecure: true }),
      }).then((r) => r.text());
    assert.match(await pull(), /"success"/);
    assert.equal((await scrape(pulling.url)).value("tollama_pull_bytes_total"), weights.length + configBytes.length);
    assert.match(await pull(), /"success"/);
    assert.equal((await scrape(pulling.url)).value("tollama_pull_bytes_total"), weights.length + configBytes.length);
  } finally {
    await pulling.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("GET /metrics is a 404 with metrics turned off (TOLLAMA_METRICS=false), as on Ollama", { timeout: 60_000 }, async () => {
  assert.equal(config.metrics(), true, "on by default");
  const dir = await mkdtemp(join(tmpdir(), "tollama-metrics-off-"));
  const off = await serve({ hostname: "127.0.0.1", port: 0, modelsDir: dir, metrics: false });
  try {
    const response = await fetch(`${off.url}/metrics`);
    assert.equal(response.status, 404);
    assert.equal(await response.text(), "404 page not found");
  } finally {
    await off.close();
    await rm(dir, { recursive: true, force: true });
  }
});
