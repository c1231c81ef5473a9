// The agent CLIs end to end against a real server: Claude Code (`claude -p`, Anthropic Messages) and Codex
// (`codex exec`, OpenAI Responses) run as child processes, pointed at tollama through their documented settings,
// with everything that would leave the machine turned off (telemetry, update checks, plugin sync). A recording proxy
// sits between CLI and server so the test sees the wire: each CLI sends its real 10–20k-token prompt with its own
// tools, so the fixture is tiny-long (trained for 32768 tokens) with num_ctx to match. The weights are random, so
// the turn is ended by the model's parameters: a stop string (Claude Code: an ended turn, not a cut one) or the JSON
// schema Codex asks for (`--output-schema`, a grammar that ends after the object); what is checked is that the CLI
// completes, and that what it reports (text, usage, stop) is what the server sent in the shape the API documents.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { type Exchange, type RecordingProxy, startRecordingProxy } from "./helpers/recording_proxy.ts";
import { TOOLS_TEMPLATE } from "./helpers/templates.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
// The native binary of the platform package (what claude-code's postinstall links to bin/claude.exe; running it
// directly works whether or not npm ran that script).
const CLAUDE = join(ROOT, "node_modules", "@anthropic-ai", `claude-code-${process.platform}-${process.arch}`, "claude");
// Codex's npm launcher finds its platform package's binary itself.
const CODEX = join(ROOT, "node_modules", "@openai", "codex", "bin", "codex.js");

const missing = (path: string, name: string) => existsSync(path) ? false : `${name} is not installed (${path})`;
const skip = fixtureSkip("tiny-long");
const claudeOpts = { skip: skip || missing(CLAUDE, "@anthropic-ai/claude-code"), timeout: 600_000 };
const codexOpts = { skip: skip || missing(CODEX, "@openai/codex"), timeout: 600_000 };

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

let server: TestServer;
let proxy: RecordingProxy;
let dir: string;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  proxy = await startRecordingProxy(server.url);
  dir = await mkdtemp(join(tmpdir(), "tollama-agent-cli-"));
  const gguf = await fixtureModel("tiny-long");
  const params = { num_ctx: 32768, temperature: 0 };
  // Stop strings common enough that greedy output meets one within Claude Code's 16 tokens: the turn ends as
  // `end_turn`, which the CLI takes as an answer (a `max_tokens` cut makes it retry, then fail).
  await installGguf(server.store, "claude-fixture:latest", gguf, {
    template: TOOLS_TEMPLATE,
    params: { ...params, stop: ["e", "a", "o"] },
  });
  // Codex sends no output limit: the model's num_predict bounds a turn (the schema's grammar ends it sooner).
  await installGguf(server.store, "codex-fixture:latest", gguf, { template: TOOLS_TEMPLATE, params: { ...params, num_predict: 32 } });
});
after(async () => {
  await proxy?.close();
  await server?.[Symbol.asyncDispose]();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a CLI with only the environment given (plus PATH), stdin closed, in a fresh working directory. */
async function runCli(file: string, args: string[], env: Record<string, string>): Promise<Run> {
  const cwd = await mkdtemp(join(dir, "cwd-"));
  const home = join(cwd, ".home");
  await mkdir(home);
  return await new Promise((resolve) => {
    const child = execFile(file, args, {
      cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...env },
      timeout: 500_000,
      maxBuffer: 64 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** An SSE body as (event name, data) pairs. */
function sse(text: string): Array<{ event: string; data: Json }> {
  return text.trim().split("\n\n").map((frame) => {
    const event = /^event: (.+)$/m.exec(frame)?.[1] ?? "";
    const data = /^data: (.+)$/m.exec(frame)?.[1] ?? "null";
    return { event, data: JSON.parse(data) };
  });
}

/** Event names with each run of the same name collapsed to one. */
function shape(events: Array<{ event: string }>): string[] {
  const names: string[] = [];
  for (const { event } of events) if (names.at(-1) !== event) names.push(event);
  return names;
}

async function settled(exchanges: Exchange[]): Promise<Exchange[]> {
  await Promise.all(exchanges.map((exchange) => exchange.done));
  return exchanges;
}

test("claude -p against tollama: Claude Code's own prompt and tools over streamed /v1/messages, its answer and usage ours", claudeOpts, async () => {
  proxy.exchanges.length = 0;
  const run = await runCli(CLAUDE, ["-p", "Say hi", "--output-format", "json"], {
    ANTHROPIC_BASE_URL: proxy.url,
    ANTHROPIC_API_KEY: "tollama",
    ANTHROPIC_MODEL: "claude-fixture",
    ANTHROPIC_SMALL_FAST_MODEL: "claude-fixture",
    ANTHROPIC_DEFAULT_HAIKU_MODEL: "claude-fixture",
    CLAUDE_CODE_MAX_OUTPUT_TOKENS: "16",
    // Claude Code's documented switches: no telemetry, error reports, update checks or other non-essential traffic
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    DISABLE_AUTOUPDATER: "1",
  });
  assert.equal(run.code, 0, `claude exited ${run.code}\n${run.stdout}\n${run.stderr}`);
  const result: Json = JSON.parse(run.stdout);
  assert.equal(result.type, "result");
  assert.equal(result.subtype, "success");
  assert.equal(result.is_error, false, run.stdout);
  assert.equal(result.stop_reason, "end_turn");
  assert.equal(result.terminal_reason, "completed");

  // One request, or more when an answer's text is empty (greedy output that meets a stop string at once): Claude
  // Code then asks again. Each is a whole Messages stream; the CLI sums their usage and prints the last text.
  const exchanges = await settled(proxy.exchanges);
  assert.ok(exchanges.length >= 1 && exchanges.length <= 3, `${exchanges.length} requests`);
  assert.equal(result.num_turns, exchanges.length);
  const sum = { input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 };
  let text = "";
  for (const exchange of exchanges) {
    assert.equal(`${exchange.method} ${exchange.path} ${exchange.status}`, "POST /v1/messages?beta=true 200");
    assert.equal(exchange.headers["x-api-key"], "tollama");
    assert.equal(exchange.headers["anthropic-version"], "2023-06-01");
    assert.match(exchange.responseHeaders["content-type"] ?? "", /^text\/event-stream/);
    const request: Json = JSON.parse(exchange.body);
    assert.equal(request.model, "claude-fixture");
    assert.equal(request.stream, true);
    assert.equal(request.max_tokens, 16);
    assert.ok(request.tools.length >= 5, `${request.tools.length} tools`);

    const events = sse(exchange.response);
    for (const { event, data } of events) assert.equal(data.type, event);
    const names = shape(events);
    assert.equal(names[0], "message_start");
    assert.deepEqual(names.slice(-2), ["message_delta", "message_stop"]);
    const start = events[0].data.message;
    assert.match(start.id, /^msg_[0-9A-Za-z]{24}$/);
    assert.equal(start.model, "claude-fixture");
    // the whole prompt went into the 32768-token context, nothing truncated away
    assert.ok(start.usage.input_tokens > 10_000 && start.usage.input_tokens < 32_768, JSON.stringify(start.usage));
    const delta = events.at(-2)!.data;
    assert.deepEqual(delta.delta, { stop_reason: "end_turn", stop_sequence: null });
    assert.equal(delta.usage.input_tokens + delta.usage.cache_read_input_tokens, start.usage.input_tokens);
    assert.ok(delta.usage.output_tokens >= 1 && delta.usage.output_tokens <= 16, JSON.stringify(delta.usage));
    for (const key of Object.keys(sum) as Array<keyof typeof sum>) sum[key] += delta.usage[key];
    text = events.filter((e) => e.event === "content_block_delta").map((e) => e.data.delta.text).join("");
  }
  // what the CLI printed and counted is what the server streamed
  assert.equal(result.result.trim(), text.trim());
  assert.equal(result.usage.input_tokens, sum.input_tokens);
  assert.equal(result.usage.cache_read_input_tokens, sum.cache_read_input_tokens);
  assert.equal(result.usage.output_tokens, sum.output_tokens);
});

/** Codex's settings for tollama as a custom Responses provider (`model_providers.<id>`), model codex-fixture. */
const customProvider = () => [
  "-m",
  "codex-fixture",
  "-c",
  "model_provider=tollama",
  "-c",
  `model_providers.tollama={name="tollama",base_url="${proxy.url}/v1",wire_api="responses",request_max_retries=0,stream_max_retries=0}`,
];

/** `codex exec` (with the custom provider unless `provider` says otherwise); its JSONL events parsed. */
async function codex(
  prompt: string,
  extra: string[] = [],
  provider: { args: string[]; env?: Record<string, string> } = { args: customProvider() },
): Promise<Run & { events: Json[] }> {
  const codexHome = await mkdtemp(join(dir, "codex-home-"));
  const run = await runCli("node", [
    CODEX,
    "exec",
    "--skip-git-repo-check",
    "--ephemeral",
    "--json",
    ...provider.args,
    // nothing but the provider leaves the process: no analytics, feedback, update check or plugin/app sync
    "-c",
    "analytics.enabled=false",
    "-c",
    "feedback.enabled=false",
    "-c",
    "check_for_update_on_startup=false",
    "--disable",
    "plugins",
    "--disable",
    "apps",
    "--disable",
    "remote_plugin",
    ...extra,
    prompt,
  ], { CODEX_HOME: codexHome, ...provider.env });
  const events = run.stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
  return { ...run, events };
}

test("codex exec against tollama: a streamed /v1/responses turn ends in the JSON its --output-schema asks for", codexOpts, async () => {
  proxy.exchanges.length = 0;
  const schema = {
    type: "object",
    properties: { city: { type: "string", enum: ["Paris", "Oslo"] } },
    required: ["city"],
    additionalProperties: false,
  };
  const schemaPath = join(dir, "schema.json");
  await writeFile(schemaPath, JSON.stringify(schema));
  const run = await codex("Which city?", ["--output-schema", schemaPath]);
  assert.equal(run.code, 0, `codex exited ${run.code}\n${run.stdout}\n${run.stderr.slice(-4000)}`);
  const kinds = run.events.map((e) => e.type);
  assert.equal(kinds[0], "thread.started");
  assert.equal(kinds.at(-1), "turn.completed", run.stdout);
  const message = run.events.find((e) => e.type === "item.completed" && e.item.type === "agent_message")!.item;
  assert.ok(["Paris", "Oslo"].includes(JSON.parse(message.text).city), message.text);

  const exchanges = await settled(proxy.exchanges);
  assert.deepEqual(exchanges.map((e) => `${e.method} ${e.path} ${e.status}`), ["POST /v1/responses 200"]);
  const [exchange] = exchanges;
  const request: Json = JSON.parse(exchange.body);
  assert.equal(request.model, "codex-fixture");
  assert.equal(request.stream, true);
  assert.equal(request.text.format.type, "json_schema");
  assert.deepEqual(request.text.format.schema, schema);
  assert.ok(request.tools.some((tool: Json) => tool.type === "function"), JSON.stringify(request.tools.map((t: Json) => t.type)));

  const events = sse(exchange.response);
  for (const { event, data } of events) assert.equal(data.type, event);
  assert.deepEqual(events.map((e) => e.data.sequence_number), events.map((_, i) => i));
  assert.deepEqual(shape(events), [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
  ]);
  const done = events.at(-1)!.data.response;
  assert.match(done.id, /^resp_/);
  assert.equal(done.status, "completed");
  assert.ok(done.usage.input_tokens > 10_000 && done.usage.input_tokens < 32_768, JSON.stringify(done.usage));
  const text = events.find((e) => e.event === "response.output_text.done")!.data.text;
  assert.equal(message.text.trim(), text.trim());
  const usage = run.events.at(-1)!.usage;
  assert.equal(usage.input_tokens, done.usage.input_tokens);
  assert.equal(usage.cached_input_tokens, done.usage.input_tokens_details.cached_tokens);
  assert.equal(usage.output_tokens, done.usage.output_tokens);
});

test("codex exec against tollama: a turn cut by the output limit is `incomplete`, and Codex says why", codexOpts, async () => {
  proxy.exchanges.length = 0;
  const run = await codex("Say hi");
  assert.notEqual(run.code, 0, run.stdout);
  const failed = run.events.find((e) => e.type === "turn.failed");
  assert.ok(failed, run.stdout);
  assert.match(failed.error.message, /Incomplete response returned, reason: max_output_tokens/);
  const exchanges = await settled(proxy.exchanges);
  assert.ok(exchanges.length >= 1 && exchanges.every((e) => e.path === "/v1/responses" && e.status === 200));
  const events = sse(exchanges[0].response);
  const last = events.at(-1)!;
  assert.equal(last.event, "response.incomplete");
  assert.deepEqual(last.data.response.incomplete_details, { reason: "max_output_tokens" });
  assert.equal(last.data.response.usage.output_tokens, 32);
  assert.ok(last.data.response.usage.input_tokens > 10_000, JSON.stringify(last.data.response.usage));
});

test("codex exec --oss against tollama: Codex's Ollama provider finds the model in /api/tags and talks Responses", codexOpts, async () => {
  proxy.exchanges.length = 0;
  const schemaPath = join(dir, "oss-schema.json");
  await writeFile(schemaPath, JSON.stringify({
    type: "object",
    properties: { ok: { type: "boolean" } },
    required: ["ok"],
    additionalProperties: false,
  }));
  // Codex's built-in `ollama` provider, pointed at tollama; the name carries its tag as /api/tags lists it (without
  // one Codex does not find it there and asks /api/pull for it)
  const run = await codex("Done?", ["--output-schema", schemaPath], {
    args: ["--oss", "--local-provider", "ollama", "-m", "codex-fixture:latest"],
    env: { CODEX_OSS_BASE_URL: `${proxy.url}/v1` },
  });
  assert.equal(run.code, 0, `codex exited ${run.code}\n${run.stdout}\n${run.stderr.slice(-4000)}`);
  const message = run.events.find((e) => e.type === "item.completed" && e.item.type === "agent_message")!.item;
  assert.equal(typeof JSON.parse(message.text).ok, "boolean", message.text);
  assert.equal(run.events.at(-1)!.type, "turn.completed");
  const exchanges = await settled(proxy.exchanges);
  const paths = exchanges.map((e) => `${e.method} ${e.path} ${e.status}`);
  assert.deepEqual(paths.filter((p) => !p.startsWith("POST /v1/responses")).sort(), [
    "GET /api/tags 200",
    "GET /api/version 200",
    "GET /v1/models 200",
  ]);
  assert.equal(paths.at(-1), "POST /v1/responses 200");
  const tags: Json = JSON.parse(exchanges.find((e) => e.path === "/api/tags")!.response);
  assert.ok(tags.models.some((m: Json) => m.name === "codex-fixture:latest"), JSON.stringify(tags));
  const done = sse(exchanges.at(-1)!.response).at(-1)!.data.response;
  assert.equal(done.status, "completed");
  assert.equal(run.events.at(-1)!.usage.input_tokens, done.usage.input_tokens);
});
