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
  "clipGlmocr turns a monolithic glmocr's vision part into its llama.cpp mmproj twin (patch slices renamed and F32, keys, bytes)",
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "tollama-clip-glmocr-"));
    try {
      const [mono, twin] = [join(dir, "mono.gguf"), join(dir, "twin.gguf")];
      await writeMonolithic2(mono, "glmocr");
      await writeTwinProjector2(twin, "glmocr");
      assert.equal(detectProjectorFamily(await readGguf(mono))?.name, "glmocr");
      assert.equal(detectProjectorFamily(await readGguf(twin)), undefined);
      const derived = await compatProjectorPath(mono, { cacheDir: join(dir, "cache") });
      assert.ok(derived);
      assert.deepEqual(await projectorDifferences(derived, twin), []);
      // the text fixtures' stand-in towers carry no vision keys: nothing to translate
      assert.equal(await compatProjectorPath((await qwenGlmPair("glmocr")).ollama, { cacheDir: dir }), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test("clipGlmocr refuses a malformed vision part, naming glmocr", { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-clip-glmocr-"));
  try {
    const cases: Array<[string, Parameters<typeof writeMonolithic2>[2], RegExp]> = [
      [
        "no-slice",
        (v) => (v.published.tensors = v.published.tensors.filter((t) => t.name !== "v.patch_embd_1.weight")),
        /'v\.patch_embd\.weight\.1' is missing/,
      ],
      [
        "no-out-hidden",
        (v) => v.published.metadata.delete("glmocr.vision.out_hidden_size"),
        /glmocr\.vision\.out_hidden_size is missing/,
      ],
    ];
    for (const [name, edit, problem] of cases) {
      const path = join(dir, `${name}.gguf`);
      await writeMonolithic2(path, "glmocr", edit);
      await assert.rejects(compatProjectorPath(path, { cacheDir: dir }), (error: unknown) => {
        assert.ok(error instanceof CompatError, String(error));
        assert.equal(error.arch, "glmocr");
        assert.match(error.message, problem);
        return true;
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
