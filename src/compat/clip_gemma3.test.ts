import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGguf } from "../gguf/mod.ts";
import { projectorDifferences, writeMonolithic, writeTwinProjector } from "../../tests/fixtures/compat_pairs_vision.ts";
import { compatProjectorPath } from "./compat_projector_path.ts";
import { CompatError } from "./compat_error.ts";
import { detectProjectorFamily } from "./translate_projector.ts";

test(
  "clipGemma3 turns a monolithic gemma3's vision part into its llama.cpp mmproj twin (keys, names, F32 embeddings, bytes)",
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "tollama-clip-gemma3-"));
    try {
      const [mono, twin] = [join(dir, "mono.gguf"), join(dir, "twin.gguf")];
      await writeMonolithic(mono, "gemma3");
      await writeTwinProjector(twin, "gemma3");
      assert.equal(detectProjectorFamily(await readGguf(mono))?.name, "gemma3");
      assert.equal(detectProjectorFamily(await readGguf(twin)), undefined, "a llama.cpp mmproj is taken as it is");
      assert.equal(await compatProjectorPath(twin, { cacheDir: dir }), undefined);
      const derived = await compatProjectorPath(mono, { cacheDir: join(dir, "cache") });
      assert.ok(derived);
      assert.deepEqual(await projectorDifferences(derived, twin), []);
      assert.equal(await compatProjectorPath(mono, { cacheDir: join(dir, "cache") }), derived, "made once");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test("clipGemma3 refuses a vision part without its patch embedding or its vision keys, naming gemma3", {
  timeout: 120_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-clip-gemma3-"));
  try {
    const cases: Array<[string, Parameters<typeof writeMonolithic>[2], RegExp]> = [
      [
        "no-patch",
        (v) => (v.published.tensors = v.published.tensors.filter((t) => !t.name.startsWith("v.patch_embedding.w"))),
        /'v\.patch_embd\.weight' is missing/,
      ],
      [
        "no-patch-size",
        (v) => v.published.metadata.delete("gemma3.vision.patch_size"),
        /gemma3\.vision\.patch_size is missing/,
      ],
    ];
    for (const [name, edit, problem] of cases) {
      const path = join(dir, `${name}.gguf`);
      await writeMonolithic(path, "gemma3", edit);
      await assert.rejects(compatProjectorPath(path, { cacheDir: dir }), (error: unknown) => {
        assert.ok(error instanceof CompatError, String(error));
        assert.equal(error.arch, "gemma3");
        assert.match(error.message, problem);
        return true;
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("compatProjectorPath() names a store blob's projector for the blob, beside the store's derived files", {
  timeout: 120_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-clip-store-"));
  try {
    const blob = join(dir, "blobs", `sha256-${"ab".repeat(32)}`);
    await mkdir(join(dir, "blobs"));
    await writeMonolithic(blob, "gemma3");
    const derived = await compatProjectorPath(blob);
    assert.equal(derived, join(dir, "compat", `sha256-${"ab".repeat(32)}.gemma3-mmproj.v1.gguf`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("compatProjectorPath() leaves alone v. tensors without the vision keys that make a model show `vision`", {
  timeout: 120_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-clip-gemma3-"));
  try {
    const path = join(dir, "keyless.gguf");
    await writeMonolithic(path, "gemma3", (v) => {
      for (const key of [...v.published.metadata.keys()]) v.published.metadata.delete(key);
    });
    assert.equal(await compatProjectorPath(path, { cacheDir: dir }), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
