/**
 * Builds one of the C reference programs in tests/helpers/ (lora_check.c, mtmd_check.c, quantize_check.c) against
 * the libllama in lib/, once per source and library version: the binary is cached under the fixture directory,
 * named for a hash of both, and written through a temp name so parallel test files never run a half-written one.
 * @module
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import process from "node:process";
import { FIXTURE_DIR, LLAMA_CPP_DIR } from "../fixtures/mod.ts";
import { REPO } from "./cli.ts";

/** The prebuilt libraries the programs link against. */
export const LIB_DIR: string = join(REPO, "lib");

/**
 * Compiles tests/helpers/`name`.c with the llama.cpp headers under `includes` (relative to the llama.cpp source)
 * and links `libs` (file names in lib/); returns the binary's path.
 */
export async function compileCheck(
  name: string,
  libs: ReadonlyArray<string | undefined>,
  includes: string[] = ["include", "ggml/include"],
): Promise<string> {
  const source = join(REPO, "tests", "helpers", `${name}.c`);
  const hash = createHash("sha256").update(await readFile(source)).update(libs.join()).digest("hex").slice(0, 12);
  const path = join(FIXTURE_DIR, "bin", `${name}-${hash}`);
  if (existsSync(path)) return path;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const result = spawnSync("cc", [
    "-O1", "-o", tmp, source,
    ...includes.map((d) => `-I${join(LLAMA_CPP_DIR, d)}`),
    `-L${LIB_DIR}`, ...libs.map((l) => `-l:${l}`), `-Wl,-rpath,${LIB_DIR}`,
  ], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`cc failed:\n${result.stderr}`);
  await rename(tmp, path);
  return path;
}
