import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { Buffer } from "node:buffer";
import { checkLoadable, ModelCrashError } from "./mod.ts";
import { fixtureModel, fixtureSkip } from "../../tests/fixtures/mod.ts";

const skip = fixtureSkip("tiny-spm");

/** A copy of tiny-spm under `<store>/blobs/sha256-<hex>`, with `edit` applied to its bytes. */
async function blob(store: string, hex: string, edit: (bytes: Uint8Array) => void): Promise<string> {
  await mkdir(join(store, "blobs"), { recursive: true });
  const path = join(store, "blobs", `sha256-${hex.repeat(64)}`);
  const bytes = new Uint8Array(await readFile(await fixtureModel("tiny-spm")));
  edit(bytes);
  await writeFile(path, bytes);
  return path;
}

/** The tensor info of token_embd.weight: its type id is 4 + 16 bytes past the name (2 dimensions). */
function setEmbeddingType(bytes: Uint8Array, type: number): void {
  const name = new TextEncoder().encode("token_embd.weight");
  const at = Buffer.from(bytes).indexOf(Buffer.from(name)) + name.length;
  new DataView(bytes.buffer).setUint32(at + 4 + 16, type, true);
}

function setBlockCount(bytes: Uint8Array, count: number): void {
  const key = new TextEncoder().encode("llama.block_count");
  const at = Buffer.from(bytes).indexOf(Buffer.from(key)) + key.length;
  new DataView(bytes.buffer).setUint32(at + 4, count, true);
}

test(
  "checkLoadable() passes a good model once and remembers it in load-verdicts.json",
  { skip, timeout: 120_000 },
  async () => {
    const store = await mkdtemp(join(tmpdir(), "tollama-probe-"));
    try {
      const path = await blob(store, "a", () => {});
      await checkLoadable(path, { probe: true });
      const verdicts = JSON.parse(await readFile(join(store, "load-verdicts.json"), "utf8"));
      assert.equal(verdicts[`sha256:${"a".repeat(64)}`].ok, true);
      assert.equal(verdicts[`sha256:${"a".repeat(64)}`].probed, true);
      const started = performance.now();
      await checkLoadable(path, { probe: true });
      assert.ok(performance.now() - started < 1000, "the second check reads the verdict, no child process");
    } finally {
      await rm(store, { recursive: true, force: true });
    }
  },
);

test(
  "checkLoadable() turns a child's abort into Ollama's 500, kept by digest",
  { skip, timeout: 120_000 },
  async () => {
    const store = await mkdtemp(join(tmpdir(), "tollama-probe-"));
    try {
      const path = await blob(store, "b", (bytes) => setEmbeddingType(bytes, 26)); // F32 → I32, same size
      const error = await checkLoadable(path, { probe: true }).then(() => assert.fail("loaded"), (e) => e);
      assert.ok(error instanceof ModelCrashError);
      assert.equal(error.status, 500);
      assert.match(
        error.message,
        /^llama runner process has terminated: signal: aborted: ggml-backend\.cpp:\d+: GGML_ASSERT/,
      );
      // The verdict file answers for the same digest anywhere, even where the bytes are a good model now.
      const other = await mkdtemp(join(tmpdir(), "tollama-probe-"));
      try {
        await mkdir(join(other, "blobs"));
        const good = join(other, "blobs", `sha256-${"b".repeat(64)}`);
        await copyFile(await fixtureModel("tiny-spm"), good);
        await copyFile(join(store, "load-verdicts.json"), join(other, "load-verdicts.json"));
        // a fresh process would read the file; this one has the verdict in memory already: same answer either way
        await assert.rejects(checkLoadable(good, { probe: true }), { message: error.message });
      } finally {
        await rm(other, { recursive: true, force: true });
      }
    } finally {
      await rm(store, { recursive: true, force: true });
    }
  },
);

test("checkLoadable() validates without a probe; a block count of 0 never reaches libllama", { skip }, async () => {
  const store = await mkdtemp(join(tmpdir(), "tollama-probe-"));
  try {
    const path = await blob(store, "c", (bytes) => setBlockCount(bytes, 0));
    await assert.rejects(checkLoadable(path, { probe: false }), {
      name: "ModelCrashError",
      message:
        "llama runner process has terminated: error loading model: invalid model file: llama.block_count is 0; llama.cpp supports 1 to 512 layers",
    });
    assert.ok(existsSync(join(store, "load-verdicts.json")), "a validation failure is a verdict too");
    // A file that cannot be read is left to the load, which says why (ModelLoadError), as before.
    await checkLoadable(join(store, "missing.gguf"), { probe: true });
  } finally {
    await rm(store, { recursive: true, force: true });
  }
});
