/**
 * The small things a person meets with the CLI, each through the real CLI as a child process against a real server:
 * `run … | head` stops quietly, a resumed pull's bar starts at the bytes already on disk, quantizing never says
 * "resuming", `FROM ./nope.gguf` and a non-GGUF FROM are named before anything is uploaded, `show` prints where a
 * linked model's file is, and `push` of a missing model says so once.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pullModel } from "../src/registry/mod.ts";
import { ProgressRenderer } from "../src/cli/progress.ts";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { type FaultProxy, startFaultProxy } from "./helpers/fault_proxy.ts";
import { makeModel, seedModel } from "./helpers/pull_fixture.ts";
import { type RegistryHandle, registrySkip, startRegistry } from "./helpers/registry.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { childEnv, cliCommand, type CliResult, type CliRunOptions, REPO, runCliProcess } from "./helpers/cli.ts";

const skip = fixtureSkip("tiny-spm");
let server: TestServer;
let home: string;
let work: string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), "tollama-cli-small-home-"));
  work = await mkdtemp(join(tmpdir(), "tollama-cli-small-"));
  server = await startTestServer();
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

function cli(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  return runCliProcess(args, { cwd: work, ...options, env: { OLLAMA_HOST: server.url, HOME: home, ...options.env } });
}

/** No runtime stack trace or uncaught-error report on stderr. */
function assertNoTrace(stderr: string): void {
  assert.doesNotMatch(stderr, /EPIPE|Uncaught|\n\s+at |error: /i, stderr);
}

test("tollama run … | head: the CLI stops quietly when its reader goes away", { skip }, async () => {
  await installGguf(server.store, "chatty", await fixtureModel("tiny-spm"), {
    params: { num_predict: 2000, temperature: 0, stop: [] },
  });
  const [program, ...lead] = cliCommand();
  const child = spawn(program, [...lead, "run", "chatty", "tell me a long story"], {
    cwd: REPO,
    env: childEnv({ OLLAMA_HOST: server.url, HOME: home }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  // Like `head -c 1`: read the first bytes, then close the read end of the pipe.
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => {
      child.stdout!.destroy();
      resolve();
    });
    child.once("error", reject);
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
  clearTimeout(timer);
  assertNoTrace(stderr);
  assert.equal(stderr, "");
  assert.equal(code, 141, "the exit status of a program stopped by SIGPIPE");
});

test("FROM a path that does not exist names the missing file", async () => {
  await writeFile(join(work, "Modelfile.nope"), "FROM ./nope.gguf\n");
  const r = await cli(["create", "x", "-f", "Modelfile.nope"]);
  assert.deepEqual(r, { code: 1, stdout: "", stderr: `Error: stat ${join(work, "nope.gguf")}: no such file or directory\n` });
});

test("FROM a file that is not a GGUF says so, before uploading it", async () => {
  await writeFile(join(work, "notes.txt"), "just some text, not weights\n");
  await writeFile(join(work, "random.gguf"), new Uint8Array(4096).fill(7));
  for (const file of ["notes.txt", "random.gguf"]) {
    await writeFile(join(work, "Modelfile.bad"), `FROM ./${file}\n`);
    const r = await cli(["create", "x", "-f", "Modelfile.bad"]);
    assert.deepEqual(r, {
      code: 1,
      stdout: "",
      stderr: `Error: ${join(work, file)} is not a GGUF file (supplied file was not in GGUF format)\n`,
    });
  }
  assert.deepEqual((await server.store.list()).map((m) => m.name.model).filter((n) => n === "x"), []);
});

test("ProgressRenderer says resuming only for a pull that starts above zero", () => {
  // A quantize of a real-size model first reports when it is already a few percent in; that is no resume.
  const lines: string[] = [];
  const renderer = new ProgressRenderer({ write: (text) => lines.push(text), isTTY: false });
  renderer.update({ status: "quantizing F16 model to Q4_K_M", digest: "0000000000000000000", total: 1000, completed: 30 });
  renderer.update({ status: "pulling 0123456789ab", digest: "sha256:01", total: 1000, completed: 400 });
  renderer.update({ status: "pulling 0123456789ab", digest: "sha256:01", total: 1000, completed: 1000 });
  assert.deepEqual(lines, [
    "quantizing F16 model to Q4_K_M 3% 30 B/1 KB\n",
    "pulling 0123456789ab: resuming at 400 B of 1 KB\n",
    "pulling 0123456789ab 40% 400 B/1 KB\n",
    "pulling 0123456789ab 100% 1 KB/1 KB\n",
  ]);
});

test("quantizing on a first run never says resuming", { skip }, async () => {
  await writeFile(join(work, "Modelfile.q"), `FROM ${await fixtureModel("tiny-spm")}\n`);
  const r = await cli(["create", "small-q", "-f", "Modelfile.q", "-q", "Q8_0"], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^quantizing F32 model to Q8_0 /m);
  assert.doesNotMatch(r.stderr, /resuming/);
});

test("show prints the file a linked model runs from", { skip: skip || fixtureSkip("tiny-bpe") }, async () => {
  // Not tiny-spm: its blob is already in the store as a copy (the run test), and a link never replaces a copy.
  const file = await fixtureModel("tiny-bpe");
  await writeFile(join(work, "Modelfile.link"), `FROM ${file}\n`);
  const created = await cli(["create", "linked", "-f", "Modelfile.link", "--link"]);
  assert.equal(created.code, 0, created.stderr);
  const shown = await cli(["show", "linked"]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`^    linked file\\s+${file.replaceAll(".", "\\.")}$`, "m"));
  // A model that is not linked has no such row.
  await installGguf(server.store, "copied", await fixtureModel("tiny-spm"));
  assert.doesNotMatch((await cli(["show", "copied"])).stdout, /linked file/);
});

test("push of a model that is not there says so once", async () => {
  const r = await cli(["push", "me/absent"]);
  assert.deepEqual(r, {
    code: 1,
    stdout: "",
    stderr: `retrieving manifest\nError: couldn't retrieve manifest: model "me/absent" not found\n`,
  });
});

describe("a resumed pull", { skip: registrySkip() }, () => {
  let registry: RegistryHandle;
  let proxy: FaultProxy;
  const model = makeModel("library/resumable", "latest", 3 << 20, 11);
  before(async () => {
    registry = await startRegistry();
    await seedModel(registry, model);
    proxy = await startFaultProxy({ upstream: registry.url });
  });
  after(async () => {
    await proxy?.close();
    await registry?.stop();
  });

  test("its bar starts at the bytes already on disk", async () => {
    const name = `${proxy.host}/library/resumable:latest`;
    const status = `pulling ${model.weights.slice(7, 19)}`;
    // A first pull, slowed down and stopped a third of the way in, leaves its parts in the server's store.
    proxy.setRate(1 << 20);
    const controller = new AbortController();
    await assert.rejects(pullModel(name, {
      modelsDir: server.dir,
      insecure: true,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.status === status && p.completed! > 1 << 20) controller.abort(new Error("stopped"));
      },
    }));
    proxy.setRate(undefined);

    const r = await cli(["pull", "--insecure", name]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split("\n").filter((line) => line.startsWith(status));
    assert.match(lines[0], new RegExp(`^${status}: resuming at \\d`), r.stderr);
    assert.ok(!lines.some((line) => line.startsWith(`${status} 0%`)), r.stderr);
    assert.match(r.stderr, /\nsuccess\n$/);
  });
});
