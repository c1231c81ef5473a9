/**
 * libmtmd's own C API as the reference of the image tests (tests/helpers/mtmd_check.c, compiled against the same
 * prebuilt libraries tollama loads): why it cannot run here, and what it generates greedily for a model, a projector,
 * a prompt (one `<__media__>` marker per image) and image files.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { LLAMA_CPP_DIR } from "../fixtures/mod.ts";
import { compileCheck, LIB_DIR } from "./compile_check.ts";

/** libmtmd's marker of an image in a prompt. */
export const MTMD_MARKER = "<__media__>";

/** The libraries mtmd_check links (libllama, libggml, libggml-base, libmtmd), as found in lib/ (undefined: missing). */
const LIBS = existsSync(LIB_DIR)
  ? [/^libllama\.v[\d.]+\.so$/, /^libggml\.v[\d.]+\.so$/, /^libggml-base\.so$/, /^libmtmd\.so$/]
    .map((p) => readdirSync(LIB_DIR).find((f) => p.test(f)))
  : [];

/** Why the reference cannot run here (no C compiler, no libmtmd built at install, no headers), or false. */
export function mtmdSkip(): string | false {
  if (spawnSync("cc", ["--version"]).status !== 0) return "no C compiler (cc) to build the libmtmd reference program";
  if (!LIBS[3]) return `libmtmd.so not in ${LIB_DIR}`;
  if (LIBS.some((l) => !l)) return `libllama/libggml not found in ${LIB_DIR}`;
  if (!existsSync(join(LLAMA_CPP_DIR, "tools", "mtmd", "mtmd.h"))) return `mtmd.h not found under ${LLAMA_CPP_DIR}`;
  return false;
}

/** One run of the reference: its exit status and output, and what it generated. */
export interface MtmdRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Greedy token ids. */
  ids: number[];
  text: string;
  /** Tokens the prompt took, images included. */
  promptTokens: number;
}

/** `nGen` greedy tokens from libmtmd's C API (mtmd_helper_eval_chunks) for the model, projector, prompt and images. */
export async function mtmdReference(
  model: string,
  projector: string,
  prompt: string,
  images: string[],
  nGen: number,
): Promise<MtmdRun> {
  const bin = await compileCheck("mtmd_check", LIBS, ["include", "ggml/include", "tools/mtmd"]);
  const run = spawnSync(bin, [LIB_DIR, model, projector, prompt, String(nGen), ...images], {
    encoding: "utf8",
    timeout: 120_000,
  });
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(run.stdout)?.[1] ?? "";
  return {
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    ids: value("generated").split(" ").filter(Boolean).map(Number),
    text: Buffer.from(value("text_hex"), "hex").toString("utf8"),
    promptTokens: Number(value("prompt_tokens")),
  };
}
