// Runs after `npm install`: points lib/ at the native libraries of @node-llama-cpp/linux-x64 and
// unpacks llama.cpp's source (headers, vocab GGUFs, grammars) from node-llama-cpp's git bundle.
// Binaries are never committed: lib/ holds only links made here.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, lstatSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const LLAMA_CPP_NPM_VERSION = "3.22.1";

function linkNativeLibraries() {
  const bins = join(root, "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64");
  if (!existsSync(bins)) {
    console.warn(`postinstall: ${bins} is missing; set LLAMA_LIB_DIR to a libllama build`);
    return;
  }
  const lib = join(root, "lib");
  mkdirSync(lib, { recursive: true });
  for (const name of readdirSync(bins)) {
    if (!name.endsWith(".so") && !/\.so\./.test(name)) continue;
    const target = join(lib, name);
    try {
      lstatSync(target);
      rmSync(target);
    } catch { /* not there yet */ }
    symlinkSync(join(bins, name), target);
  }
}

function unpackLlamaSource() {
  const cache = join(root, ".cache");
  const source = join(cache, "llama.cpp");
  if (existsSync(join(source, "include/llama.h"))) return;
  mkdirSync(cache, { recursive: true });
  const tarball = `node-llama-cpp-${LLAMA_CPP_NPM_VERSION}.tgz`;
  if (!existsSync(join(cache, tarball))) {
    execFileSync("npm", ["pack", `node-llama-cpp@${LLAMA_CPP_NPM_VERSION}`, "--silent"], { cwd: cache, stdio: ["ignore", "ignore", "inherit"] });
  }
  execFileSync("tar", ["xzf", tarball, "package/llama/gitRelease.bundle"], { cwd: cache });
  rmSync(source, { recursive: true, force: true });
  execFileSync("git", ["-c", "advice.detachedHead=false", "clone", "--quiet", join(cache, "package/llama/gitRelease.bundle"), source], { stdio: "inherit" });
  rmSync(join(cache, "package"), { recursive: true, force: true });
  rmSync(join(cache, tarball), { force: true });
}

linkNativeLibraries();
try {
  unpackLlamaSource();
} catch (error) {
  console.warn(`postinstall: could not unpack llama.cpp source (${error.message}); header and vocab tests will skip`);
}
await import("./build_rpc.mjs").then((m) => m.buildRpc()).catch((error) => console.warn(`postinstall: ggml-rpc not built (${error.message}); RPC is unavailable`));
await import("./build_mtmd.mjs").then((m) => m.buildMtmd()).catch((error) => console.warn(`postinstall: libmtmd not built (${error.message}); images are unavailable`));
