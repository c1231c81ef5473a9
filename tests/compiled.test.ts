// The single executable (scripts/compile.mjs: bun build --compile with the native libraries and the inference
// Worker inside) run from an empty directory with an empty HOME: it extracts its libraries on first run, serves,
// and generates with a fixture model. Built once under Bun; under Deno the file is skipped (the build is Bun's,
// and the binary is the same whichever runtime runs this test).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../src/runtime/mod.ts";
import { Store } from "../src/store/mod.ts";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf } from "./helpers/server.ts";
import { childEnv, REPO, runCliProcess } from "./helpers/cli.ts";
import { tensorFields, view } from "./helpers/gguf_edit.ts";
import { TOLLAMA_VERSION } from "../src/version.ts";
import { freePort } from "./helpers/net.ts";
import { writeBigGguf } from "./helpers/big_gguf.ts";
import { copyPercents, peakRss, runOnPty, SCRIPT, sha256File, startServeProcess } from "./helpers/large_create.ts";

const skip = runtime.name !== "bun"
  ? "the single executable is built by `bun build --compile`: this file runs under Bun"
  : fixtureSkip("tiny-spm");

let dir: string;
let binary: string;

/** A fresh machine as far as tollama can tell: empty HOME, empty working directory, a store of its own. */
interface Sandbox {
  home: string;
  cwd: string;
  models: string;
  /** TMPDIR: where the Bun FFI shim's C source is written for TinyCC, so nothing cached from other runs is seen. */
  tmp: string;
}

async function sandbox(name: string): Promise<Sandbox> {
  const root = join(dir, name);
  const box = { home: join(root, "home"), cwd: join(root, "cwd"), models: join(root, "models"), tmp: join(root, "tmp") };
  for (const path of Object.values(box)) await mkdir(path, { recursive: true });
  return box;
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tollama-compiled-"));
  binary = join(dir, "tollama");
  await new Promise<void>((resolve, reject) => {
    execFile("node", [join(REPO, "scripts/compile.mjs"), binary], { cwd: REPO }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`compile failed: ${stderr || error.message}`));
      else resolve();
    });
  });
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("compiled tollama --version: first run extracts the native libraries under ~/.cache/tollama", { skip, timeout: 120_000 }, async () => {
  const box = await sandbox("version");
  const env = { HOME: box.home, TMPDIR: box.tmp };
  const started = performance.now();
  const first = await runCliProcess(["--version"], { command: [binary], cwd: box.cwd, env });
  const firstMs = performance.now() - started;
  assert.deepEqual(first, { code: 0, stdout: `tollama version is ${TOLLAMA_VERSION}\n`, stderr: "" });
  const cache = join(box.home, ".cache", "tollama");
  const [libs] = await readdir(cache);
  assert.match(libs, /^libs-[0-9a-f]{16}$/);
  const files = await readdir(join(cache, libs));
  assert.ok(files.some((f) => /^libllama.*\.so/.test(f)), files.join(", "));
  assert.ok(files.some((f) => f.startsWith("libggml-cpu-")), "the CPU backends, for ggml's loader to pick from");
  assert.deepEqual(await readdir(box.cwd), [], "nothing written to the working directory");

  // A torn library (a first run killed mid-write would leave a temp file, never this; a disk error might) is rewritten.
  const llama = join(cache, libs, files.find((f) => /^libllama\.v/.test(f)) ?? files.find((f) => f.startsWith("libllama"))!);
  const fullSize = (await stat(llama)).size;
  await truncate(llama, 1024);
  const again = performance.now();
  assert.equal((await runCliProcess(["--version"], { command: [binary], cwd: box.cwd, env })).code, 0);
  const secondMs = performance.now() - again;
  assert.equal((await stat(llama)).size, fullSize);

  // Two first runs at once (a fresh HOME) both work and leave whole libraries and no temp files.
  const twin = await sandbox("twin");
  const both = await Promise.all([1, 2].map(() =>
    runCliProcess(["--version"], { command: [binary], cwd: twin.cwd, env: { HOME: twin.home, TMPDIR: twin.tmp } })
  ));
  for (const r of both) assert.equal(r.code, 0, r.stderr);
  const twinDir = join(twin.home, ".cache", "tollama", libs);
  assert.deepEqual((await readdir(twinDir)).sort(), [...files].sort());
  for (const f of files) assert.equal((await stat(join(twinDir, f))).size, (await stat(join(cache, libs, f))).size, f);
  const size = (await stat(binary)).size;
  console.log(`compiled tollama: ${(size / 1e6).toFixed(0)} MB; --version first run ${firstMs.toFixed(0)} ms, repair run ${secondMs.toFixed(0)} ms`);
});

test("compiled tollama serve + run: /api/version, and a fixture model generates from an empty directory", { skip, timeout: 180_000 }, async () => {
  const box = await sandbox("serve");
  const store = await Store.open(box.models);
  await installGguf(store, "tiny", await fixtureModel("tiny-spm"), { params: { temperature: 0, num_predict: 8 } });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const env = { HOME: box.home, OLLAMA_HOST: host, OLLAMA_MODELS: box.models, TMPDIR: box.tmp };
  const child = spawn(binary, ["serve"], { cwd: box.cwd, env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${log}`)), 60_000);
      const onData = (chunk: Uint8Array) => {
        log += new TextDecoder().decode(chunk);
        if (log.includes("Listening on")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.on("exit", () => reject(new Error(`serve exited: ${log}`)));
    });
    assert.match(log, new RegExp(`Listening on 127\\.0\\.0\\.1:${port} \\(tollama ${TOLLAMA_VERSION.replaceAll(".", "\\.")} on bun `));
    const version = await fetch(`http://${host}/api/version`);
    assert.equal(version.status, 200);
    assert.match((await version.json()).version, /^\d+\.\d+\.\d+/);

    // The CLI of the same binary, from the empty directory: one-shot generation through the server's Worker.
    const prompt = "Why is the sky blue?";
    const run = await runCliProcess(["run", "tiny", prompt], { command: [binary], cwd: box.cwd, env });
    const expected = await (await fetch(`http://${host}/api/generate`, {
      method: "POST",
      body: JSON.stringify({ model: "tiny", prompt, stream: false }),
    })).json();
    assert.equal(expected.eval_count, 8);
    assert.deepEqual(run, { code: 0, stdout: `${expected.response}\n\n`, stderr: "" });

    // libllama came from the extracted copy, not from this repository.
    const maps = `/proc/${child.pid}/maps`;
    if (existsSync(maps)) {
      const loaded = readFileSync(maps, "utf8").split("\n").map((l) => l.split(/\s+/).at(-1)!).filter((p) => /libllama/.test(p));
      assert.ok(loaded.length > 0, "libllama is mapped into the server process");
      for (const path of loaded) assert.ok(path.startsWith(join(box.home, ".cache", "tollama")), path);
    }
    assert.deepEqual(await readdir(box.cwd), [], "nothing written to the working directory");
    // The FFI shim was compiled by TinyCC inside the executable, from source written under this TMPDIR.
    assert.ok((await readdir(box.tmp)).includes("tollama-shim"), "the Bun FFI shim's source under TMPDIR");

    // A model that aborts libllama (token_embd F32 → I32) ends only the load probe: the executable ran itself as the
    // child (`tollama __probe-load`), and the server answers Ollama's 500 and goes on generating.
    const crashing = join(box.cwd, "..", "crash.gguf");
    const bytes = new Uint8Array(readFileSync(await fixtureModel("tiny-spm")));
    view(bytes).setUint32(tensorFields(bytes, "token_embd.weight").typeAt, 26, true);
    writeFileSync(crashing, bytes);
    await installGguf(store, "crash", crashing);
    const crashed = await fetch(`http://${host}/api/generate`, { method: "POST", body: JSON.stringify({ model: "crash", prompt }) });
    assert.equal(crashed.status, 500);
    assert.match((await crashed.json()).error, /^llama runner process has terminated: signal: aborted: .*GGML_ASSERT/);
    const still = await fetch(`http://${host}/api/generate`, {
      method: "POST",
      body: JSON.stringify({ model: "tiny", prompt, stream: false }),
    });
    assert.equal((await still.json()).response, expected.response);
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
  assert.match(log, /Listening on/);
});

test("compiled tollama create of a 300 MB GGUF: created with its digest, server memory flat, progress moves", {
  skip: skip || (SCRIPT ? false : "util-linux `script` is not installed"),
  timeout: 300_000,
}, async () => {
  const box = await sandbox("create");
  const file = await writeBigGguf(join(box.cwd, "big.gguf"), 300 * 2 ** 20);
  const size = (await stat(file)).size;
  const digest = await sha256File(file);
  const env = { HOME: box.home, OLLAMA_MODELS: box.models, TMPDIR: box.tmp };
  await using server = await startServeProcess([binary], { env, cwd: box.cwd });
  const rssBefore = peakRss(server.pid);
  writeFileSync(join(box.cwd, "Modelfile"), "FROM ./big.gguf\n");
  const run = await runOnPty([binary, "create", "big"], { env: { ...env, OLLAMA_HOST: server.host }, cwd: box.cwd });
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /success/);
  const percents = copyPercents(run.output, digest);
  assert.equal(percents.at(-1), 100, run.output);
  assert.ok(percents.some((p) => p > 0 && p < 100), `intermediate percentages drawn: ${percents.join(" ")}`);
  const blob = join(box.models, "blobs", `sha256-${digest.slice(7)}`);
  assert.equal((await stat(blob)).size, size);
  assert.equal(await sha256File(blob), digest);
  const rssAfter = peakRss(server.pid);
  if (rssBefore !== undefined && rssAfter !== undefined) {
    assert.ok(rssAfter - rssBefore < size / 3, `server peak RSS grew ${((rssAfter - rssBefore) / 2 ** 20).toFixed(0)} MiB`);
  }
  // The two 300 MB files go now rather than with the build directory at the end.
  await rm(file);
  await rm(blob);
});
