// Builds llama.cpp's llama-server as a fair reference for bench/serve.ts: only tools/server's own sources (and the
// vendored cpp-httplib) are compiled, from the llama.cpp source of our release (.cache/llama.cpp), and linked to the
// SAME prebuilt libraries tollama loads (lib/libllama, libllama-common, libggml*, and the libmtmd our install builds
// the same way), so the ggml CPU variant, repacking and threadpool are the ones tollama uses: a ratio against it
// measures the servers, not the builds. The web UI is left out (an empty asset table, as a build without UI assets
// makes). Cached in .cache/native/<commit>/llama-server; about a minute on 2 cores.
// Usage: node bench/native/build_llama_server.mjs [--force]   (prints the binary's path)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildMtmd, commitOf, findCompiler, runAll } from "../../scripts/build_mtmd.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const source = join(root, ".cache/llama.cpp");
const lib = join(root, "lib");

/** The ui.h / ui.cpp that ui-assets.cmake writes when there are no assets. */
function writeEmptyUi(dir) {
  const fill = (text) =>
    text.replace("#cmakedefine LLAMA_UI_HAS_ASSETS 1", "/* no UI assets: the reference serves the API only */")
      .replaceAll("@N_ASSETS@", "0").replace("@ASSET_ARRAYS@", "").replace("@ASSET_TABLE@", "")
      .replace("@USE_GZIP@", "false");
  writeFileSync(join(dir, "ui.h"), fill(readFileSync(join(source, "tools/ui/ui.h.in"), "utf8")));
  writeFileSync(join(dir, "ui.cpp"), fill(readFileSync(join(source, "tools/ui/ui.cpp.in"), "utf8")));
}

/** The path of llama-server built against lib/, or a string[] with the reason it cannot be built. */
export async function buildLlamaServer({ force = false } = {}) {
  const serverDir = join(source, "tools/server");
  if (!existsSync(join(serverDir, "server.cpp"))) return [`no llama.cpp source at ${source}`];
  const libs = existsSync(lib) ? readdirSync(lib) : [];
  const llama = libs.find((n) => /^libllama(\.v[\d.]+)?\.so$/.test(n));
  const ggml = libs.find((n) => /^libggml(\.v[\d.]+)?\.so$/.test(n));
  if (!llama || !ggml || !libs.includes("libllama-common.so")) return [`no prebuilt libllama/libllama-common in ${lib}`];
  const mtmd = await buildMtmd();
  if (!mtmd) return ["libmtmd could not be built (llama-server links it)"];
  const cxx = findCompiler();
  if (!cxx) return ["no C++ compiler (g++)"];
  const outDir = join(root, ".cache/native", commitOf(source) ?? "unknown");
  const binary = join(outDir, "llama-server");
  if (existsSync(binary) && !force) return binary;
  const work = join(outDir, "llama-server-obj");
  mkdirSync(work, { recursive: true });
  writeEmptyUi(work);
  const includes = ["include", "ggml/include", "common", "tools/mtmd", "tools/server", "vendor", "vendor/cpp-httplib"]
    .map((d) => `-I${join(source, d)}`);
  // the definitions vendor/cpp-httplib/CMakeLists.txt gives httplib (no OpenSSL: the bench talks plain HTTP)
  const httplib = ["-DCPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH=1048576", "-DCPPHTTPLIB_LISTEN_BACKLOG=512",
    "-DCPPHTTPLIB_REQUEST_URI_MAX_LENGTH=32768", "-DCPPHTTPLIB_TCP_NODELAY=1"];
  const flags = ["-std=c++17", "-O2", "-DNDEBUG", "-DLLAMA_SHARED", "-DGGML_SHARED", "-w", `-I${work}`, ...includes, ...httplib];
  const files = [
    ...readdirSync(serverDir).filter((n) => n.endsWith(".cpp")).map((n) => join(serverDir, n)),
    join(source, "vendor/cpp-httplib/httplib.cpp"),
    join(work, "ui.cpp"),
  ];
  const objects = files.map((f) => join(work, f.replace(/^.*\//, "").replace(/\.cpp$/, ".o")));
  console.log(`build_llama_server: compiling ${files.length} files against ${lib} with ${cxx}…`);
  const started = Date.now();
  try {
    await runAll(files.map((f, i) => [cxx, [...flags, "-c", "-o", objects[i], f]]), Math.max(1, availableParallelism()));
    const tmp = `${binary}.tmp`;
    execFileSync(cxx, [
      "-o", tmp, ...objects, `-L${lib}`, "-l:libllama-common.so", "-l:libmtmd.so", `-l:${llama}`, `-l:${ggml}`,
      "-l:libggml-base.so", `-Wl,-rpath,${lib}`, "-lpthread",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    renameSync(tmp, binary);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`build_llama_server: built ${binary} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return binary;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await buildLlamaServer({ force: process.argv.includes("--force") });
  if (Array.isArray(result)) {
    console.error(`build_llama_server: ${result.join("; ")}`);
    process.exit(1);
  }
  console.log(result);
}
