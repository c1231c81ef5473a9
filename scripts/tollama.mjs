#!/usr/bin/env node
// The `tollama` command that npm installs (package.json "bin"): runs mod.ts with the Deno that npm put in this
// package's own node_modules (Bun if Deno is missing, or if TOLLAMA_RUNTIME=bun), so `npx tollama`, `npm link` and
// `npm install -g` need no other runtime and download nothing. Arguments, stdio, the working directory and the exit
// status pass through; SIGINT/SIGTERM/SIGHUP are handed to the child, and a child killed by a signal kills this
// process with the same signal. The single executable (`npm run compile` → dist/tollama) does not use this file.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(realpathSync(fileURLToPath(import.meta.url))), "..");
const require = createRequire(join(root, "package.json"));
const exe = process.platform === "win32" ? ".exe" : "";

/** The package directory of `name` as installed for this package, or undefined. */
function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

function denoBinary() {
  const dir = packageDir("deno");
  if (!dir) return undefined;
  // deno's postinstall copies the platform binary into its own folder; its install API finds it otherwise.
  const own = join(dir, `deno${exe}`);
  if (existsSync(own)) return own;
  try {
    return require(join(dir, "install_api.cjs")).runInstall();
  } catch {
    return undefined;
  }
}

function bunBinary() {
  const dir = packageDir("bun");
  // bun's postinstall puts the platform binary at bin/bun.exe (that name on every OS).
  const own = dir && join(dir, "bin", "bun.exe");
  return own && existsSync(own) ? own : undefined;
}

/**
 * Where Deno should find the package. Installed under a node_modules folder (npm install -g of a tarball or a git
 * URL), Deno takes it for an npm package and refuses to strip its TypeScript (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING);
 * a link from the user's cache folder gives it a path outside node_modules.
 */
function denoRoot() {
  if (!root.split(sep).includes("node_modules")) return root;
  const base = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "tollama");
  const link = join(base, `package-${createHash("sha256").update(root).digest("hex").slice(0, 16)}`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      if (realpathSync(link) === root) return link;
    } catch { /* not made yet */ }
    try {
      mkdirSync(base, { recursive: true });
      rmSync(link, { force: true });
      symlinkSync(root, link, "dir");
    } catch { /* another launch made it meanwhile: look again */ }
  }
  return realpathSync(link) === root ? link : root;
}

const args = process.argv.slice(2);
const wanted = process.env.TOLLAMA_RUNTIME;
const candidates = wanted === "bun" ? ["bun", "deno"] : ["deno", "bun"];
let command;
for (const name of candidates) {
  const binary = name === "deno" ? denoBinary() : bunBinary();
  if (!binary) continue;
  const base = name === "deno" ? denoRoot() : root;
  command = name === "deno"
    ? [binary, ["run", "-A", "--no-lock", "--config", join(base, "deno.json"), join(base, "mod.ts"), ...args]]
    : [binary, ["run", join(root, "mod.ts"), ...args]];
  break;
}
if (!command) {
  console.error(`Error: no Deno or Bun in ${join(root, "node_modules")}; run npm install in ${root}`);
  process.exit(1);
}

const child = spawn(command[0], command[1], { stdio: "inherit" });
const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
// A terminal's Ctrl-C reaches the whole process group; the child decides what it means, this process only relays.
const relay = (signal) => child.kill(signal);
for (const signal of signals) process.on(signal, relay);
child.on("error", (error) => {
  console.error(`Error: could not start ${command[0]}: ${error.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  for (const s of signals) process.off(s, relay);
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
