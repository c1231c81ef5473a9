// Distributed inference over ggml's RPC protocol, on loopback: `tollama rpc` worker processes and a real server
// (in this process) whose OLLAMA_RPC_SERVERS names them. Greedy output equals a local run's; a worker that is not
// listening is named in the load error; a worker killed mid-stream fails that request with a clear error, the
// server stays up, answers the next request, and loads again once the worker is back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { locateLlama, probeRpcWorker } from "../src/llama/mod.ts";
import { rpcLibraryCandidates } from "../src/llama/rpc.ts";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { childEnv, cliCommand, REPO } from "./helpers/cli.ts";
import { freePort } from "./helpers/net.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";

function rpcSkip(): string | false {
  const fixture = fixtureSkip("tiny-spm");
  if (fixture) return fixture;
  try {
    const found = rpcLibraryCandidates(locateLlama().libDir).some((p) => existsSync(p));
    return found ? false : "libggml-rpc.so was not built at install (no C++ compiler?): run `node scripts/build_rpc.mjs`";
  } catch (error) {
    return (error as Error).message;
  }
}
const skip = rpcSkip();
if (skip) console.warn(`tests/rpc.test.ts skipped: ${skip}`);

interface Worker {
  endpoint: string;
  port: number;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** `tollama rpc` as a child process, resolved once it answers ggml's handshake. */
async function startWorker(port?: number, extra: string[] = []): Promise<Worker> {
  port ??= await freePort();
  const [command, ...args] = cliCommand();
  const child = spawn(command, [...args, "rpc", "--port", String(port), "--threads", "1", ...extra], {
    cwd: REPO,
    env: childEnv(),
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const endpoint = `127.0.0.1:${port}`;
  const worker: Worker = {
    endpoint,
    port,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  const deadline = Date.now() + 60_000;
  while (true) {
    try {
      await probeRpcWorker(endpoint, 2_000);
      return worker;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await worker.stop();
        throw new Error(`tollama rpc on ${endpoint} did not start: ${(error as Error).message}\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Runs `body` with OLLAMA_RPC_SERVERS set (config reads it at each load), then restores it. */
async function withRpcServers<T>(servers: string, body: () => Promise<T>): Promise<T> {
  const before = process.env.OLLAMA_RPC_SERVERS;
  process.env.OLLAMA_RPC_SERVERS = servers;
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env.OLLAMA_RPC_SERVERS;
    else process.env.OLLAMA_RPC_SERVERS = before;
  }
}

async function serverWithTiny(): Promise<TestServer> {
  const server = await startTestServer();
  await installGguf(server.store, "tiny:latest", await fixtureModel("tiny-spm"));
  return server;
}

const greedy = { temperature: 0, num_predict: 24, seed: 1, num_thread: 1 };

async function generate(server: TestServer, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/api/generate`, {
    method: "POST",
    body: JSON.stringify({ model: "tiny", prompt: "Hello world", raw: true, stream: false, options: greedy, ...body }),
  });
  return { status: response.status, body: await response.json() };
}

test("rpc: greedy output through two workers equals the local run; /api/ps shows where the layers are", {
  timeout: 240_000,
  skip,
}, async () => {
  const server = await serverWithTiny();
  await installGguf(server.store, "tiny2:latest", await fixtureModel("tiny-bpe"));
  const local = await generate(server, { keep_alive: 0 });
  assert.equal(local.status, 200, JSON.stringify(local.body));
  const local2 = await generate(server, { model: "tiny2", keep_alive: 0 });
  assert.equal(local2.status, 200, JSON.stringify(local2.body));
  const workers = [await startWorker(), await startWorker()];
  try {
    const endpoints = workers.map((w) => w.endpoint);
    await withRpcServers(endpoints.join(","), async () => {
      const remote = await generate(server, {});
      assert.equal(remote.status, 200, JSON.stringify(remote.body));
      assert.equal(remote.body.response, local.body.response);
      assert.deepEqual(remote.body.context, local.body.context);
      const ps = await (await fetch(`${server.url}/api/ps`)).json() as {
        models: Array<{ devices?: Array<{ name: string; endpoint?: string; layers: number }> }>;
      };
      const devices = ps.models[0].devices!;
      assert.deepEqual(devices.map((d) => d.endpoint), [undefined, ...endpoints]);
      assert.equal(devices[0].name, "CPU");
      // tiny-spm: 2 repeating layers + the output layer, by free memory (all of it this machine's on loopback)
      assert.equal(devices.reduce((n, d) => n + d.layers, 0), 3);
      assert.ok(devices.slice(1).every((d) => d.layers >= 1), JSON.stringify(devices));
      // a second model joins the first on the same workers (each worker serves one connection: ggml's, shared)
      const second = await generate(server, { model: "tiny2" });
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.equal(second.body.response, local2.body.response);
      const both = await (await fetch(`${server.url}/api/ps`)).json() as { models: unknown[] };
      assert.equal(both.models.length, 2);
    });
  } finally {
    // the server first: its models free their buffers on the workers
    await server[Symbol.asyncDispose]();
    await Promise.all(workers.map((w) => w.stop()));
  }
});

test("rpc: a worker that is not listening is named in the load error; the server stays up", { timeout: 120_000, skip }, async () => {
  const server = await serverWithTiny();
  const worker = await startWorker();
  const deadPort = await freePort();
  try {
    await withRpcServers(`${worker.endpoint},127.0.0.1:${deadPort}`, async () => {
      const answer = await generate(server, {});
      assert.equal(answer.status, 500);
      assert.match(String(answer.body.error), new RegExp(`RPC worker 127\\.0\\.0\\.1:${deadPort} is not reachable`));
    });
    const bad = await withRpcServers("no-port-here", () => generate(server, {}));
    assert.match(String(bad.body.error), /RPC worker no-port-here is not a valid address/);
    // without workers the same server loads the model locally
    const local = await generate(server, {});
    assert.equal(local.status, 200, JSON.stringify(local.body));
  } finally {
    await server[Symbol.asyncDispose]();
    await worker.stop();
  }
});

test("rpc: a worker killed mid-stream fails that request clearly; the server answers the next and reloads", {
  timeout: 300_000,
  skip,
}, async () => {
  const server = await serverWithTiny();
  const expected = await generate(server, { keep_alive: 0 });
  assert.equal(expected.status, 200);
  const first = await startWorker();
  let second = await startWorker();
  try {
    await withRpcServers(`${first.endpoint},${second.endpoint}`, async () => {
      const response = await fetch(`${server.url}/api/generate`, {
        method: "POST",
        body: JSON.stringify({ model: "tiny", prompt: "Hello world", raw: true, options: { ...greedy, num_predict: 1500 } }),
      });
      assert.equal(response.status, 200);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      let killed = false;
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
        if (!killed && text.split("\n").length > 4) {
          killed = true;
          await second.stop(); // SIGKILL: the head's next RPC call on that socket fails
        }
      }
      const lines = text.trim().split("\n").map((line) => JSON.parse(line));
      const last = lines.at(-1);
      assert.ok(killed);
      assert.equal(last.done, undefined, "the stream must not end as if it had finished");
      assert.match(String(last.error), new RegExp(`RPC worker ${second.endpoint.replace(/\./g, "\\.")} stopped answering`));

      // the server is up: the next request is answered (the dead worker is named), nothing hangs
      const down = await generate(server, {});
      assert.equal(down.status, 500);
      assert.match(String(down.body.error), new RegExp(`RPC worker ${second.endpoint.replace(/\./g, "\\.")} is not reachable`));

      // the worker is back on its port: the model loads again, on fresh connections to both workers
      second = await startWorker(second.port);
      const again = await generate(server, {});
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.response, expected.body.response);
    });
  } finally {
    await server[Symbol.asyncDispose]();
    await Promise.all([first.stop(), second.stop()]);
  }
});

test("rpc: tollama rpc warns loudly off loopback, and refuses a host it cannot bind", { timeout: 120_000, skip }, async () => {
  const open = await startWorker(undefined, ["--host", "0.0.0.0"]);
  try {
    assert.match(open.stderr(), /WARNING: tollama rpc listens on 0\.0\.0\.0:\d+, reachable from other machines/);
    assert.match(open.stderr(), /NO authentication/);
  } finally {
    await open.stop();
  }
  const [command, ...args] = cliCommand();
  const bad = spawn(command, [...args, "rpc", "--host", "example.com"], { cwd: REPO, env: childEnv(), stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  bad.stderr!.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => bad.once("exit", (c) => resolve(c)));
  assert.equal(code, 1);
  assert.match(stderr, /invalid --host "example\.com": give an IPv4 address/);
});

test("rpc: without a C++ compiler the install's build step says why and succeeds", { timeout: 60_000, skip: existsSync(join(REPO, ".cache/llama.cpp/ggml/src/ggml-rpc")) ? false : "no llama.cpp source" }, async () => {
  // a copy of the script in a checkout of its own, with the source and the prebuilt libraries but no cached build
  const root = await mkdtemp(join(tmpdir(), "tollama-build-rpc-"));
  try {
    await mkdir(join(root, "scripts"));
    await mkdir(join(root, ".cache"));
    await mkdir(join(root, "lib"));
    await copyFile(join(REPO, "scripts/build_rpc.mjs"), join(root, "scripts/build_rpc.mjs"));
    await copyFile(join(REPO, "scripts/rpc_guard.cpp"), join(root, "scripts/rpc_guard.cpp"));
    await symlink(join(REPO, ".cache/llama.cpp"), join(root, ".cache/llama.cpp"));
    await symlink(join(locateLlama().libDir, "libggml-base.so"), join(root, "lib/libggml-base.so"));
    const child = spawn("node", [join(root, "scripts/build_rpc.mjs")], {
      env: childEnv({ CXX: "/nonexistent/g++" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    assert.equal(code, 0, output);
    assert.match(output, /no C\+\+ compiler \(\/nonexistent\/g\+\+\); RPC \(tollama rpc, OLLAMA_RPC_SERVERS\) is unavailable/);
    assert.equal(existsSync(join(root, "lib/rpc/libggml-rpc.so")), false);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
