// `tollama serve` logs as Ollama's server does at the default level: gin's line per request on stdout, slog lines
// on stderr (settings, address, a model's load with its time and memory, its unload), and nothing of libllama's
// own chatter unless OLLAMA_DEBUG asks for it. A real server process, real requests, a real fixture model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { childEnv, cliCommand } from "./helpers/cli.ts";
import { freePort } from "./helpers/net.ts";

interface ServeProcess {
  url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then resolves when the process has exited. */
  stop(): Promise<void>;
}

async function startServe(home: string, env: Record<string, string>, host: string): Promise<ServeProcess> {
  const [program, ...args] = cliCommand();
  const child = spawn(program, [...args, "serve"], {
    cwd: home,
    env: childEnv({ HOME: home, OLLAMA_MODELS: join(home, "models"), ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "", stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!stderr.includes("Listening on")) {
    if (Date.now() > deadline || child.exitCode !== null) assert.fail(`no Listening line:\n${stdout}\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://${host}`,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Uploads the fixture as a blob and creates model `name` from it, as `tollama create` does. */
async function createModel(url: string, name: string, path: string): Promise<void> {
  const bytes = await readFile(path);
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const upload = await fetch(`${url}/api/blobs/${digest}`, { method: "POST", body: bytes });
  assert.equal(upload.status, 201);
  const create = await fetch(`${url}/api/create`, {
    method: "POST",
    body: JSON.stringify({ model: name, files: { "model.gguf": digest }, stream: false }),
  });
  assert.equal(create.status, 200, await create.clone().text());
  await create.text();
}

/** Creates `tiny` from the tiny-spm fixture and generates two tokens with it: a load and a request to log. */
async function createAndGenerate(url: string): Promise<void> {
  await createModel(url, "tiny", await fixtureModel("tiny-spm"));
  const generate = await fetch(`${url}/api/generate`, {
    method: "POST",
    body: JSON.stringify({ model: "tiny", prompt: "hi", stream: false, options: { num_predict: 2, num_ctx: 256 } }),
  });
  assert.equal(generate.status, 200);
  await generate.json();
}

/** Whether this machine can listen on ::1 (CI containers may have no IPv6). */
function hasIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(0, "::1", () => probe.close(() => resolve(true)));
  });
}

const GIN = String.raw`^\[GIN\] \d{4}/\d\d/\d\d - \d\d:\d\d:\d\d \| `;
const LATENCY = String.raw` \| +\d+(\.\d+)?(ns|µs|ms|s) \| `;
const SLOG = String.raw`^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) level=`;
/** libllama's lines as src/llama/log.ts writes them (`llama INFO: llama_model_loader: ...`). */
const CHATTER = /^llama (INFO|WARN|DEBUG|ERROR): /m;

test("tollama serve logs requests, loads and unloads as Ollama does, without libllama's chatter", {
  timeout: 180_000,
  skip: fixtureSkip("tiny-spm"),
}, async () => {
  const home = await mkdtemp(join(tmpdir(), "tollama-logs-"));
  try {
    const port = await freePort();
    const server = await startServe(home, { OLLAMA_HOST: `127.0.0.1:${port}` }, `127.0.0.1:${port}`);
    try {
      await createAndGenerate(server.url);
      // a streamed answer is logged once its last line has gone
      const chat = await fetch(`${server.url}/api/chat?trace=1`, {
        method: "POST",
        body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "hi" }], options: { num_predict: 2, num_ctx: 256 } }),
      });
      await chat.text();
      const unload = await fetch(`${server.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "tiny", keep_alive: 0 }) });
      await unload.json();
      assert.equal((await fetch(`${server.url}/nope`)).status, 404);
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await server.stop();
    }
    const out = server.stdout();
    const err = server.stderr();
    const line = (status: number, method: string, path: string) =>
      new RegExp(`${GIN}${status}${LATENCY} +127\\.0\\.0\\.1 \\| ${method.padEnd(7)}  "${path.replaceAll("?", "\\?")}"$`, "m");
    assert.match(out, line(201, "POST", "/api/blobs/sha256:[0-9a-f]{64}"));
    assert.match(out, line(200, "POST", "/api/create"));
    assert.match(out, line(200, "POST", "/api/generate"));
    assert.match(out, line(200, "POST", "/api/chat?trace=1"));
    assert.match(out, line(404, "GET", "/nope"));
    assert.equal(out.split("\n").filter((l) => l.startsWith("[GIN]")).length, 6, out);

    assert.match(err, new RegExp(`${SLOG}INFO source=serve_command\\.ts:\\d+ msg="server config" env="map\\[.*OLLAMA_HOST:http://127\\.0\\.0\\.1:${port} `, "m"));
    assert.match(err, new RegExp(`${SLOG}INFO source=serve_command\\.ts:\\d+ msg="Listening on 127\\.0\\.0\\.1:${port} \\(tollama `, "m"));
    assert.match(err, new RegExp(`${SLOG}INFO source=scheduler\\.ts:\\d+ msg="loading model" model=tiny:latest path=\\S+sha256-[0-9a-f]{64} num_ctx=256$`, "m"));
    assert.match(err, new RegExp(`${SLOG}INFO source=scheduler\\.ts:\\d+ msg="llama runner started in \\d+\\.\\d\\d seconds" model=tiny:latest size="\\d+\\.\\d MiB"$`, "m"));
    assert.match(err, new RegExp(`${SLOG}INFO source=scheduler\\.ts:\\d+ msg="model unloaded" model=tiny:latest reason=requested$`, "m"));
    assert.doesNotMatch(err + out, CHATTER);
    // everything on stderr is an slog line
    for (const l of err.split("\n").filter(Boolean)) assert.match(l, new RegExp(SLOG), l);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test("tollama serve with OLLAMA_DEBUG=1 adds libllama's lines; an IPv6 address is logged in brackets", {
  timeout: 180_000,
  skip: fixtureSkip("tiny-spm"),
}, async () => {
  const home = await mkdtemp(join(tmpdir(), "tollama-logs-"));
  try {
    const port = await freePort();
    const host = (await hasIpv6Loopback()) ? `[::1]:${port}` : `127.0.0.1:${port}`;
    const server = await startServe(home, { OLLAMA_HOST: host, OLLAMA_DEBUG: "1" }, host);
    try {
      await createAndGenerate(server.url);
    } finally {
      await server.stop();
    }
    const err = server.stderr();
    assert.match(err, new RegExp(`msg="Listening on ${host.replace(/[[\]]/g, "\\$&")} \\(tollama `));
    assert.match(err, /^llama INFO: llama_model_loader: /m);
    assert.match(err, /msg="llama runner started in /);
    assert.match(server.stdout(), new RegExp(`${GIN}200${LATENCY} +(::1|127\\.0\\.0\\.1) \\| POST     "/api/generate"$`, "m"));
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
