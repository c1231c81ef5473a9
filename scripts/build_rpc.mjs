// Builds ggml's RPC backend (libggml-rpc.so) for the prebuilt libraries in lib/: the npm package ships no RPC
// backend, so its source from the same llama.cpp release (.cache/llama.cpp, unpacked by postinstall.mjs) is compiled
// with the system C++ compiler against that release's headers and linked to the prebuilt libggml-base.so, together
// with scripts/rpc_guard.cpp (keeps a server alive when a worker dies: see there).
// The result is cached per llama.cpp commit (.cache/ggml-rpc/<commit>/) and linked as lib/rpc/libggml-rpc.so: a
// folder of its own, so ggml_backend_load_all_from_path(lib) never loads it into processes that do not use RPC;
// src/llama/rpc.ts loads it by path (ggml_backend_load) when RPC is asked for.
// Never fails the install: without a compiler or source it says why, and `tollama rpc` / OLLAMA_RPC_SERVERS say so.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Builds (or reuses) libggml-rpc.so; returns its path, or undefined with a warning printed. */
export function buildRpc({ quiet = false } = {}) {
  const say = (text) => quiet || console.warn(`build_rpc: ${text}`);
  const source = join(root, ".cache/llama.cpp");
  const rpcSource = join(source, "ggml/src/ggml-rpc");
  const lib = join(root, "lib");
  if (!existsSync(join(rpcSource, "ggml-rpc.cpp"))) {
    say(`${rpcSource} is missing; RPC (tollama rpc, OLLAMA_RPC_SERVERS) is unavailable`);
    return undefined;
  }
  if (!existsSync(join(lib, "libggml-base.so"))) {
    say("lib/libggml-base.so is missing; RPC is unavailable");
    return undefined;
  }
  const compiler = process.env.CXX || "g++";
  const commit = execFileSync("git", ["-C", source, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  // keyed by the release and by our guard's source, so a changed guard is rebuilt
  const guard = createHash("sha256").update(readFileSync(join(root, "scripts/rpc_guard.cpp"))).digest("hex").slice(0, 8);
  const outDir = join(root, ".cache/ggml-rpc", `${commit.slice(0, 16)}-${guard}`);
  const output = join(outDir, "libggml-rpc.so");
  if (!existsSync(output)) {
    if (spawnSync(compiler, ["--version"], { stdio: "ignore" }).status !== 0) {
      say(`no C++ compiler (${compiler}); RPC (tollama rpc, OLLAMA_RPC_SERVERS) is unavailable. Install g++ and run \`node scripts/build_rpc.mjs\``);
      return undefined;
    }
    mkdirSync(outDir, { recursive: true });
    // the real directory of the prebuilt libraries: the runpath must survive lib/'s symlinks being remade
    const bins = dirname(realpathSync(join(lib, "libggml-base.so")));
    const temp = `${output}.${process.pid}.tmp`;
    const args = [
      "-O2", "-std=c++17", "-fPIC", "-shared", "-pthread",
      // as ggml's CMake builds a dynamically loaded backend: exports ggml_backend_init for ggml_backend_load
      "-DGGML_BACKEND_DL", "-DGGML_BACKEND_BUILD", "-DGGML_BACKEND_SHARED", "-DGGML_SHARED",
      "-I", join(source, "ggml/include"), "-I", join(source, "ggml/src"),
      join(rpcSource, "ggml-rpc.cpp"), join(rpcSource, "transport.cpp"), join(root, "scripts/rpc_guard.cpp"),
      `-L${bins}`, "-lggml-base", "-Wl,--no-undefined", `-Wl,-rpath,${bins}`,
      "-o", temp,
    ];
    say(`compiling ggml-rpc of llama.cpp ${commit.slice(0, 12)} with ${compiler} ...`);
    const result = spawnSync(compiler, args, { stdio: ["ignore", "inherit", "inherit"] });
    if (result.status !== 0) {
      rmSync(temp, { force: true });
      say(`${compiler} failed (status ${result.status}); RPC is unavailable`);
      return undefined;
    }
    renameSync(temp, output);
  }
  const linkDir = join(lib, "rpc");
  mkdirSync(linkDir, { recursive: true });
  const link = join(linkDir, "libggml-rpc.so");
  try {
    lstatSync(link);
    rmSync(link);
  } catch { /* not there yet */ }
  symlinkSync(output, link);
  return link;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  const built = buildRpc();
  if (built) console.log(`build_rpc: ${built}`);
}
