// scripts/build_mtmd.mjs as npm install runs it: a second run with the same llama.cpp source does nothing (the
// build is cached by commit), and with no C++ compiler it still exits 0 with a note saying what images need.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { runtime } from "../src/runtime/mod.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SCRIPT = join(ROOT, "scripts", "build_mtmd.mjs");
const LINK = join(ROOT, "lib", "libmtmd.so");
const skip = existsSync(LINK) ? false : "libmtmd was not built here (no g++ at install): nothing cached to check";

function run(env: Record<string, string>, ...args: string[]) {
  const runArgs = runtime.name === "deno" ? ["run", "-A", SCRIPT, ...args] : [SCRIPT, ...args];
  return spawnSync(runtime.execPath(), runArgs, { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });
}

test("build_mtmd: a second run with the same llama.cpp commit uses the cached build", { skip }, () => {
  const target = readlinkSync(LINK);
  const started = performance.now();
  const result = run({});
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, "", "nothing compiled");
  assert.ok(performance.now() - started < 30_000);
  assert.equal(readlinkSync(LINK), target);
  assert.match(target, /\.cache\/native\/[0-9a-f]{40}\/libmtmd\.so$/);
});

test("build_mtmd: without a C++ compiler it exits 0 and says images will not work", { skip }, () => {
  const result = run({ PATH: "/nonexistent", CXX: "/nonexistent/g++" }, "--force");
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /no C\+\+ compiler \(g\+\+\) found, so libmtmd was not built: text models work, images will not/);
  assert.ok(existsSync(LINK), "the cached build is left as it was");
});
