import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGguf } from "../gguf/mod.ts";
import { projectorDifferences } from "../../tests/fixtures/compat_pairs_vision.ts";
import { writeMonolithic2, writeTwinProjector2 } from "../../tests/fixtures/compat_pairs_vision2.ts";
import { qwenGlmPair } from "../../tests/fixtures/compat_pairs_qwen_glm.ts";
import { compatProjectorPath } from "./compat_projector_path.ts";
import { CompatError } from "./compat_error.ts";
import { detectProjectorFamily } from "./translate_projector.ts";

test(
  "clipQwen35 turns a monolithic qwen35's vision part into its llama.cpp mmproj twin (QKV merged, patch split, bytes)",
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "tollama-clip-qwen35-"));
    try {
      const [mono, twin] = [join(dir, "mono.gguf"), join(dir, "twin.gguf")];
      await writeMonolithic2(mono, "qwen35");
      await writeTwinProjector2(twin, "qwen35");
      assert.equal(detectProjectorFamily(await readGguf(mono))?.name, "qwen35");
      assert.equal(detectProjectorFamily(await readGguf(twin)), undefined);
      const derived = await compatProjectorPath(mono, { cacheDir: join(dir, "cache") });
      assert.ok(derived);
      assert.deepEqual(await projectorDifferences(derived, twin), []);
      // the text fixtures' stand-in towers carry no vision keys: nothing to translate
      assert.equal(await compatProjectorPath((await qwenGlmPair("qwen35")).ollama, { cacheDir: dir }), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test("clipQwen35 refuses a malformed vision part, naming qwen35", { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-clip-qwen35-"));
  try {
    const cases: Array<[string, Parameters<typeof writeMonolithic2>[2], RegExp]> = [
      [
        "no-k",
        (v) => (v.published.tensors = v.published.tensors.filter((t) => t.name !== "v.blk.1.attn_k.weight")),
        /'v\.blk\.1\.attn_k\.weight' is missing/,
      ],
      [
        "deepstack",
        (v) => v.published.metadata.set("qwen35.vision.deepstack_visual_indexes", { type: "array<int32>", value: [1] }),
        /no deepstack adapters/,
      ],
    ];
    for (const [name, edit, problem] of cases) {
      const path = join(dir, `${name}.gguf`);
      await writeMonolithic2(path, "qwen35", edit);
      await assert.rejects(compatProjectorPath(path, { cacheDir: dir }), (error: unknown) => {
        assert.ok(error instanceof CompatError, String(error));
        assert.equal(error.arch, "qwen35");
        assert.match(error.message, problem);
        return true;
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
