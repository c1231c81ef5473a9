// Builds libmtmd (llama.cpp's multimodal library: image projectors, image decoding) for the prebuilt libllama.
// The npm package ships no libmtmd, so postinstall compiles only tools/mtmd (+ the vendored hash sources) from the
// llama.cpp source of the same release with the system C++ compiler, against that source's headers, and links it to
// the prebuilt lib/libllama*.so and libggml*.so: ggml and llama are never rebuilt. The result lives in
// .cache/native/<llama.cpp commit>/libmtmd.so (a second install with the same commit does nothing) and lib/libmtmd.so
// links to it. Without a compiler the install still succeeds: text models work, and an image request says what is
// missing.
// Usage: node scripts/build_mtmd.mjs [--force]
import { execFileSync, spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, ".cache/llama.cpp");
const lib = join(root, "lib");

function note(message) {
  console.warn(`build_mtmd: ${message}`);
}

export function commitOf(dir) {
  try {
    return execFileSync("git", ["-C", dir, "rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

export function findCompiler() {
  for (const cxx of [process.env.CXX, "g++", "c++", "clang++"]) {
    if (!cxx) continue;
    try {
      execFileSync(cxx, ["--version"], { stdio: "ignore" });
      return cxx;
    } catch { /* try the next one */ }
  }
  return undefined;
}

/** Runs the compile jobs, at most `parallel` at once; rejects on the first failure with the compiler's output. */
export function runAll(jobs, parallel) {
  return new Promise((resolve, reject) => {
    let next = 0, running = 0, failed = false;
    const launch = () => {
      if (failed) return;
      if (next === jobs.length && running === 0) return resolve();
      while (running < parallel && next < jobs.length) {
        const [cmd, args] = jobs[next++];
        running++;
        const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", (e) => {
          failed = true;
          reject(e);
        });
        child.on("close", (code) => {
          running--;
          if (code !== 0) {
            failed = true;
            return reject(new Error(`${cmd} ${args.at(-1)} failed:\n${stderr.slice(-4000)}`));
          }
          launch();
        });
      }
    };
    launch();
  });
}

function linkInto(dir, built) {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, "libmtmd.so");
  try {
    lstatSync(target);
    rmSync(target);
  } catch { /* not there yet */ }
  symlinkSync(built, target);
}

export async function buildMtmd({ force = false } = {}) {
  const mtmdDir = join(source, "tools/mtmd");
  if (!existsSync(join(mtmdDir, "mtmd.h"))) {
    note(`no llama.cpp source at ${source}; images will not work (text models do)`);
    return undefined;
  }
  const llama = existsSync(lib) ? readdirSync(lib).find((n) => /^libllama(\.v[\d.]+)?\.so$/.test(n)) : undefined;
  const ggml = existsSync(lib) ? readdirSync(lib).find((n) => /^libggml(\.v[\d.]+)?\.so$/.test(n)) : undefined;
  if (!llama || !ggml || !existsSync(join(lib, "libggml-base.so"))) {
    note(`no prebuilt libllama/libggml in ${lib}; images will not work (text models do)`);
    return undefined;
  }
  const commit = commitOf(source) ?? "unknown";
  const outDir = join(root, ".cache/native", commit);
  const built = join(outDir, "libmtmd.so");
  if (existsSync(built) && !force) {
    linkInto(lib, built);
    return built;
  }
  const cxx = findCompiler();
  if (!cxx) {
    note("no C++ compiler (g++) found, so libmtmd was not built: text models work, images will not. " +
      "Install g++ and run `node scripts/build_mtmd.mjs` to enable images.");
    return undefined;
  }
  const started = Date.now();
  const objDir = join(outDir, "obj");
  mkdirSync(objDir, { recursive: true });
  const includes = [
    "include", "ggml/include", "tools/mtmd", "vendor", "vendor/hash",
  ].map((d) => `-I${join(source, d)}`);
  // LLAMA_BUILD + LLAMA_SHARED give MTMD_API default visibility, as the CMake shared build does
  const common = ["-O2", "-fPIC", "-DNDEBUG", "-DLLAMA_BUILD", "-DLLAMA_SHARED", "-DGGML_SHARED", "-w", ...includes];
  const cpp = [
    ...readdirSync(mtmdDir).filter((n) => n.endsWith(".cpp") && !["mtmd-cli.cpp", "deprecation-warning.cpp"].includes(n))
      .map((n) => join(mtmdDir, n)),
    ...readdirSync(join(mtmdDir, "models")).filter((n) => n.endsWith(".cpp")).map((n) => join(mtmdDir, "models", n)),
    join(source, "vendor/hash/hash.cpp"),
    // sha1 is compiled as C++ (it lives in a namespace), as vendor/hash/CMakeLists.txt says
    join(source, "vendor/hash/sha1/sha1.c"),
  ];
  const c = [join(source, "vendor/hash/xxhash/xxhash.c"), join(source, "vendor/hash/sha256/sha256.c")];
  const objects = [];
  const jobs = [];
  for (const file of cpp) {
    const obj = join(objDir, file.slice(source.length + 1).replace(/[/.]/g, "_") + ".o");
    objects.push(obj);
    jobs.push([cxx, ["-std=c++17", ...common, "-x", "c++", "-c", "-o", obj, file]]);
  }
  for (const file of c) {
    const obj = join(objDir, file.slice(source.length + 1).replace(/[/.]/g, "_") + ".o");
    objects.push(obj);
    jobs.push([cxx, [...common, "-x", "c", "-c", "-o", obj, file]]);
  }
  console.log(`build_mtmd: compiling libmtmd (${jobs.length} files, llama.cpp ${commit.slice(0, 12)}) with ${cxx}…`);
  try {
    await runAll(jobs, Math.max(1, availableParallelism()));
    const tmp = `${built}.tmp`;
    execFileSync(cxx, [
      "-shared", "-o", tmp, ...objects, `-L${lib}`, `-l:${llama}`, `-l:${ggml}`, "-l:libggml-base.so",
      "-Wl,-soname,libmtmd.so", "-Wl,-rpath,$ORIGIN", "-Wl,--no-undefined", "-lpthread",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    renameSync(tmp, built);
  } catch (error) {
    note(`compiling libmtmd failed, images will not work (text models do): ${error.message}`);
    return undefined;
  } finally {
    rmSync(objDir, { recursive: true, force: true });
  }
  linkInto(lib, built);
  console.log(`build_mtmd: built ${built} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildMtmd({ force: process.argv.includes("--force") });
}
