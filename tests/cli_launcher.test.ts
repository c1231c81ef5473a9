// The `tollama` command npm installs (package.json "bin" → scripts/tollama.mjs): run by node from another
// directory, it runs mod.ts with the runtime in this package's node_modules (the one running this test, through
// TOLLAMA_RUNTIME), and passes arguments, stdin, stdout, stderr, exit codes and signals through; `npx tollama`
// and `npm exec` find it in the repository without fetching anything. And `npm install` itself: the committed
// lockfile is what npm makes of package.json, and the postinstall step prints no git advice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { runtime } from "../src/runtime/mod.ts";
import { TOLLAMA_VERSION } from "../src/version.ts";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { childEnv, REPO, runCliProcess } from "./helpers/cli.ts";
import { freePort } from "./helpers/net.ts";
import { installGguf, startTestServer } from "./helpers/server.ts";

const LAUNCHER = join(REPO, "scripts", "tollama.mjs");
const launcher = ["node", LAUNCHER];
const RUNTIME = { TOLLAMA_RUNTIME: runtime.name };

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-launcher-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("package.json bin: tollama is scripts/tollama.mjs, an executable node script; deno is a dependency", () => {
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
  assert.deepEqual(pkg.bin, { tollama: "scripts/tollama.mjs" });
  // npm install -g installs dependencies only: the runtime the launcher needs must be one
  assert.ok(pkg.dependencies.deno, "deno in dependencies");
  assert.match(readFileSync(LAUNCHER, "utf8"), /^#!\/usr\/bin\/env node\n/);
  accessSync(LAUNCHER, constants.X_OK);
});

test("tollama launcher: from another directory, --version, usage errors and cobra's suggestions pass through", {
  timeout: 120_000,
}, async () => {
  await withTempDir(async (cwd) => {
    const [version, missing, typo, topic] = await Promise.all([
      runCliProcess(["--version"], { command: launcher, cwd, env: RUNTIME }),
      runCliProcess(["show"], { command: launcher, cwd, env: RUNTIME }),
      runCliProcess(["lst"], { command: launcher, cwd, env: RUNTIME }),
      runCliProcess(["help", "lst"], { command: launcher, cwd, env: RUNTIME }),
    ]);
    assert.deepEqual(version, { code: 0, stdout: `tollama version is ${TOLLAMA_VERSION}\n`, stderr: "" });
    assert.deepEqual(missing, { code: 1, stdout: "", stderr: "Error: accepts 1 arg(s), received 0\n" });
    // cobra lists every command within distance 2 (ps too) in the command list's order, then a blank line
    assert.deepEqual(typo, {
      code: 1,
      stdout: "",
      stderr: `Error: unknown command "lst" for "tollama"\n\nDid you mean this?\n\tlist\n\tps\n\n`,
    });
    // cobra's help command on an unknown topic: says so, prints the usage, exits 0
    assert.equal(topic.code, 0);
    assert.match(topic.stdout, /^Unknown help topic \[`lst`\]\nUsage:\n {2}tollama \[flags\]\n/);
  });
});

test("tollama launcher: list and run (prompt on stdin) against a server, from another directory", {
  timeout: 180_000,
  skip: fixtureSkip("tiny-spm"),
}, async () => {
  await using server = await startTestServer();
  await installGguf(server.store, "tiny", await fixtureModel("tiny-spm"), { params: { num_predict: 4, seed: 1 } });
  await withTempDir(async (cwd) => {
    const env = { ...RUNTIME, OLLAMA_HOST: server.url, HOME: cwd };
    const list = await runCliProcess(["list"], { command: launcher, cwd, env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME +ID +SIZE +MODIFIED *\ntiny:latest +[0-9a-f]{12} +17 MB +/);
    const run = await runCliProcess(["run", "tiny"], { command: launcher, cwd, env, stdin: "Why is the sky blue?\n" });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.trim().length > 0, "the answer reaches stdout");
    const missing = await runCliProcess(["show", "nope"], { command: launcher, cwd, env });
    assert.deepEqual(missing, { code: 1, stdout: "", stderr: "Error: model 'nope' not found\n" });
  });
});

for (const how of ["SIGTERM to the launcher", "SIGINT to the process group (Ctrl+C)"]) {
  test(`tollama launcher: serve stops cleanly on ${how}`, { timeout: 120_000 }, async () => {
    await withTempDir(async (home) => {
      const port = await freePort();
      // A shell reports the launcher's exit status (Deno's node:child_process reports a child that handled SIGTERM
      // as killed by it). The shell leads its own process group, as a terminal's job does; for SIGTERM the
      // launcher runs in the background, so the signal goes to it alone.
      const group = how.includes("group");
      const script = group
        ? `trap : INT; echo "group $$"; node "$0" serve; echo "launcher exited with $?"` // the shell itself survives
        : `node "$0" serve & pid=$!; echo "launcher pid $pid"; wait $pid; echo "launcher exited with $?"`;
      const child = spawn("sh", ["-c", script, LAUNCHER], {
        cwd: home,
        env: childEnv({ ...RUNTIME, HOME: home, OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_MODELS: join(home, "models") }),
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
      const deadline = Date.now() + 60_000;
      while (!output.includes("Listening on")) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`no Listening line: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match(output, new RegExp(`on ${runtime.name} `), "the runtime asked for runs it");
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "Ollama is running");
      if (group) {
        // the terminal's Ctrl+C: every process of the job gets SIGINT, the server once from the terminal and once
        // from the launcher, and still stops cleanly
        const kill = await runCliProcess(["-INT", "--", `-${/group (\d+)/.exec(output)![1]}`], { command: ["kill"] });
        assert.equal(kill.code, 0, kill.stderr);
      } else {
        process.kill(Number(/launcher pid (\d+)/.exec(output)![1]), "SIGTERM");
      }
      await exited;
      assert.match(output, /launcher exited with 0\n/, output);
      // the server is gone with it
      await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
    });
  });
}

test("npx tollama and npm exec run the repository's own command without fetching", { timeout: 120_000 }, async () => {
  const env = { ...RUNTIME, npm_config_offline: "true", npm_config_update_notifier: "false" };
  const [npx, exec] = await Promise.all([
    runCliProcess(["--no-install", "tollama", "--version"], { command: ["npx"], cwd: REPO, env }),
    runCliProcess(["exec", "--offline", "--no", "--", "tollama", "--help"], { command: ["npm"], cwd: REPO, env }),
  ]);
  assert.equal(npx.code, 0, npx.stderr);
  assert.equal(npx.stdout, `tollama version is ${TOLLAMA_VERSION}\n`);
  assert.equal(exec.code, 0, exec.stderr);
  assert.match(exec.stdout, /^Large language model runner\n\nUsage:\n {2}tollama \[flags\]\n/);
});

test("npm install keeps the committed package-lock.json as it is", { timeout: 120_000 }, async () => {
  await withTempDir(async (dir) => {
    const committed = await readFile(join(REPO, "package-lock.json"), "utf8");
    await copyFile(join(REPO, "package.json"), join(dir, "package.json"));
    await writeFile(join(dir, "package-lock.json"), committed);
    // the lockfile npm would write for this package.json, without touching any node_modules
    const r = await runCliProcess(["install", "--package-lock-only", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"], {
      command: ["npm"],
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(dir, "package-lock.json"), "utf8"), committed);
  });
});

test("postinstall unpacks llama.cpp's source without git's detached-HEAD advice", { timeout: 300_000 }, async () => {
  await withTempDir(async (root) => {
    await mkdir(join(root, "scripts"));
    await copyFile(join(REPO, "scripts", "postinstall.mjs"), join(root, "scripts", "postinstall.mjs"));
    const r = await runCliProcess([join(root, "scripts", "postinstall.mjs")], {
      command: ["node"],
      cwd: root,
      env: { npm_config_prefer_offline: "true" },
      timeoutMs: 280_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(root, ".cache", "llama.cpp", "include", "llama.h")), r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /detached HEAD|advice\.|Note: switching/);
  });
});
