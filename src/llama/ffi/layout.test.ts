import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GGML_TENSOR_EXTRA, GGML_TENSOR_HEAD, type StructName, STRUCTS, structLayout } from "./symbols.ts";
import { shimSource } from "./bun_shim.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const source = join(root, ".cache/llama.cpp");
const header = join(source, "include/llama.h");

function compiler(): string | undefined {
  for (const cc of ["cc", "gcc"]) {
    try {
      execFileSync(cc, ["--version"], { stdio: "ignore" });
      return cc;
    } catch { /* try the next */ }
  }
  return undefined;
}

const cc = compiler();
const skip = !cc ? "no C compiler (cc/gcc) on PATH" : !existsSync(header) ? `${header} missing (run npm ci)` : false;

/** Runs `body` as a C program with llama.h included and returns its stdout. */
function runC(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "tollama-layout-"));
  try {
    const file = join(dir, "layout.c");
    writeFileSync(
      file,
      `#include <stdio.h>\n#include <stddef.h>\n#include "llama.h"\n#include "mtmd.h"\n#include "mtmd-helper.h"\n` +
        `int main(void) {\n${body}\nreturn 0;\n}\n`,
    );
    execFileSync(cc!, [
      "-o", join(dir, "layout"), file,
      "-I", join(source, "include"), "-I", join(source, "ggml/include"), "-I", join(source, "tools/mtmd"),
    ]);
    return execFileSync(join(dir, "layout"), { encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("structLayout() matches offsetof/sizeof from the real llama.h", { skip }, () => {
  const lines: string[] = [];
  for (const name of Object.keys(STRUCTS) as StructName[]) {
    const type = name === "llama_chat_message" || name === "llama_token_data" || name === "llama_token_data_array" ||
        name === "llama_sampler_chain_params"
      ? name
      : `struct ${name}`;
    lines.push(`printf("${name} #size %zu\\n", sizeof(${type}));`);
    for (const [field] of STRUCTS[name]) {
      // mtmd_helper_init_opt is declared flattened (its one member is a struct): reach the fields through it
      const member = name === "mtmd_helper_init_opt" ? `video_params.${field}` : field;
      lines.push(`printf("${name} ${field} %zu\\n", offsetof(${type}, ${member}));`);
    }
  }
  const output = runC(lines.join("\n"));
  const actual = new Map(output.trim().split("\n").map((l) => {
    const parts = l.split(" ");
    return [`${parts[0]} ${parts[1]}`, Number(parts[2])] as const;
  }));
  for (const name of Object.keys(STRUCTS) as StructName[]) {
    const layout = structLayout(name);
    assert.equal(layout.size, actual.get(`${name} #size`), `${name} size`);
    for (const [field, offset] of Object.entries(layout.offsets)) {
      assert.equal(offset, actual.get(`${name} ${field}`), `${name}.${field}`);
    }
  }
});

test("the ggml_threadpool_params size matches ggml.h", { skip }, () => {
  const output = runC(`printf("%zu\\n", sizeof(struct ggml_threadpool_params));`);
  assert.equal(Number(output.trim()), 528);
});

test("GGML_TENSOR_HEAD, GGML_TENSOR_EXTRA and the two-argument gguf_init_params match ggml.h and gguf.h", { skip }, () => {
  const output = runC(
    `printf("%zu %zu %zu ", offsetof(struct ggml_tensor, type), offsetof(struct ggml_tensor, buffer), offsetof(struct ggml_tensor, ne));` +
      `printf("%zu ", offsetof(struct ggml_tensor, extra));` +
      `printf("%zu %zu", sizeof(struct gguf_init_params), offsetof(struct gguf_init_params, ctx));`,
  );
  assert.deepEqual(output.trim().split(" ").map(Number), [
    GGML_TENSOR_HEAD.type,
    GGML_TENSOR_HEAD.buffer,
    GGML_TENSOR_HEAD.ne,
    GGML_TENSOR_EXTRA,
    16,
    8,
  ]);
});

test("the generated Bun shim compiles with the system C compiler and its static asserts hold", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tollama-shim-"));
  try {
    const file = join(dir, "shim.c");
    writeFileSync(file, shimSource());
    execFileSync(cc!, ["-c", "-o", join(dir, "shim.o"), file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
