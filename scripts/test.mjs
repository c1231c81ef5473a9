// The whole test suite, under Deno and then under Bun (or one of them: `node scripts/test.mjs deno`).
// Both runtimes run the same node:test files; a failure in either fails the run.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules/.bin", name);
const only = process.argv[2];
const filters = process.argv.slice(3);
const paths = filters.length ? filters : ["src/", "tests/"];

const runs = [
  ["deno", [bin("deno"), "test", "-A", "--no-check", ...paths]],
  ["bun", [bin("bun"), "test", ...paths.map((p) => (p.startsWith(".") ? p : `./${p}`))]],
].filter(([name]) => !only || only === name);

let failed = false;
// The full run (no runtime or path given) first type-checks with both checkers and lints: CI's gate.
if (!only && !filters.length) {
  const checks = [
    ["node", join(root, "scripts/deno_namespace_types.mjs")],
    [bin("tsc"), "--noEmit", "-p", "tsconfig.json"],
    [bin("deno"), "check", "mod.ts", "src/", "tests/", "bench/"],
    [bin("deno"), "lint"],
  ];
  for (const [cmd, ...args] of checks) {
    console.log(`\n=== check: ${[cmd.split("/").pop(), ...args].join(" ")}`);
    const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } });
    if (result.status !== 0) failed = true;
  }
}
for (const [name, [cmd, ...args]] of runs) {
  console.log(`\n=== ${name}: ${[cmd.split("/").pop(), ...args].join(" ")}`);
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`=== ${name}: exit ${result.status ?? result.signal} in ${seconds}s`);
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
