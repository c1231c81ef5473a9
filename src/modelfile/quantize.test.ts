import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LLAMA_FTYPE } from "../llama/mod.ts";
import { QUANTIZE_NAMES, quantizeGguf, quantizeTypeName } from "./quantize.ts";

const header = join(dirname(fileURLToPath(import.meta.url)), "..", "..", ".cache", "llama.cpp", "include", "llama.h");

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-quantunit-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("quantizeTypeName() accepts any case and maps llama-quantize's aliases to the _M mixes", () => {
  assert.equal(quantizeTypeName("q4_k_m"), "Q4_K_M");
  assert.equal(quantizeTypeName("q4_K"), "Q4_K_M");
  assert.equal(quantizeTypeName("Q5_K"), "Q5_K_M");
  assert.equal(quantizeTypeName("q3_k"), "Q3_K_M");
  assert.equal(quantizeTypeName("bf16"), "BF16");
  assert.equal(quantizeTypeName("q9_x"), undefined);
  assert.equal(quantizeTypeName("iq2_xxs"), undefined); // needs an importance matrix
  for (const name of ["F32", "F16", "BF16", "Q8_0", "Q4_K_M", "Q4_K_S", "Q6_K", "Q2_K"]) assert.ok(QUANTIZE_NAMES.includes(name));
});

test("LLAMA_FTYPE matches enum llama_ftype in llama.h", { skip: existsSync(header) ? false : `${header} missing` }, () => {
  const text = readFileSync(header, "utf8");
  const values = new Map<string, number>();
  for (const match of text.matchAll(/^\s*LLAMA_FTYPE_(?:MOSTLY_|ALL_)(\w+)\s*=\s*(\d+),/gm)) values.set(match[1], Number(match[2]));
  for (const [name, id] of Object.entries(LLAMA_FTYPE)) {
    const canonical = quantizeTypeName(name)!;
    assert.equal(values.get(canonical), id, `${name} → LLAMA_FTYPE_*_${canonical}`);
  }
});

test("quantizeGguf() rejects an aborted signal before starting, and a bad input with libllama's reason; no output left", async () => {
  await withDir(async (dir) => {
    const output = join(dir, "out.gguf");
    const controller = new AbortController();
    controller.abort(new Error("not now"));
    await assert.rejects(quantizeGguf(join(dir, "in.gguf"), output, { type: "q8_0", signal: controller.signal }), /not now/);
    await writeFile(join(dir, "in.gguf"), "not a GGUF file, just text");
    await assert.rejects(quantizeGguf(join(dir, "in.gguf"), output, { type: "q8_0" }), (error: Error) => {
      assert.equal(error.name, "QuantizeError");
      assert.match(error.message, /^quantizing .*in\.gguf failed: \S/);
      assert.doesNotMatch(error.message, /see the log/);
      return true;
    });
    await assert.rejects(quantizeGguf(join(dir, "in.gguf"), output, { type: "q9_x" }), RangeError);
    assert.deepEqual(await readdir(dir), ["in.gguf"]);
  });
});
