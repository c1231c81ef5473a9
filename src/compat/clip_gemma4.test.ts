import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGguf } from "../gguf/mod.ts";
import { projectorDifferences } from "../../tests/fixtures/compat_pairs_vision.ts";
import { writeMonolithic2, writeTwinProjector2 } from "../../tests/fixtures/compat_pairs_vision2.ts";
import { buildGbPair, gbPair } from "../../tests/fixtures/compat_pairs_gemma_bert.ts";
import { compatProjectorPath } from "./compat_projector_path.ts";
import { CompatError } from "./compat_error.ts";
import { detectProjectorFamily } from "./translate_projector.ts";

test(
  "clipGemma4 turns a monolithic gemma4's vision part into its llama.cpp mmproj twin (keys, F32 embeddings, clip scalars, bytes)",
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "tollama-clip-gemma4-"));
    try {
      const [mono, twin] = [join(dir, "mono.gguf"), join(dir, "twin.gguf")];
      await writeMonolithic2(mono, "gemma4");
      await writeTwinProjector2(twin, "gemma4");
      assert.equal(detectProjectorFamily(await readGguf(mono))?.name, "gemma4");
      assert.equal(detectProjectorFamily(await readGguf(twin)), undefined, "a llama.cpp mmproj is taken as it is");
      const derived = await compatProjectorPath(mono, { cacheDir: join(dir, "cache") });
      assert.ok(derived);
      assert.deepEqual(await projectorDifferences(derived, twin), []);
      const file = await readGguf(derived);
      assert.equal(file.tensors.filter((t) => t.name.endsWith(".input_min")).length, 2 * 7 + 1);
      assert.ok(!file.tensors.some((t) => t.name.startsWith("a.") || t.name === "v.clamp_data"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test("clipGemma4 leaves alone the text fixtures' stand-in towers (no vision width: nothing to translate)", {
  timeout: 120_000,
}, async () => {
  assert.ok((await buildGbPair("gemma4")).ollama.tensors.some((t) => t.name.startsWith("v.")));
  assert.equal(await compatProjectorPath((await gbPair("gemma4")).ollama), undefined);
});

test("clipGemma4 refuses a malformed vision part, naming gemma4", { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-clip-gemma4-"));
  try {
    const cases: Array<[string, Parameters<typeof writeMonolithic2>[2], RegExp]> = [
      [
        "no-patch",
        (v) => (v.published.tensors = v.published.tensors.filter((t) => t.name !== "v.patch_embd.weight")),
        /'v\.patch_embd\.weight' is missing/,
      ],
      [
        "no-head-count",
        (v) => v.published.metadata.delete("gemma4.vision.attention.head_count"),
        /gemma4\.vision\.attention\.head_count is missing/,
      ],
      [
        "short-clamps",
        (v) => {
          const clamps = v.published.tensors.find((t) => t.name === "v.clamp_data")!;
          clamps.shape = [clamps.shape[0] - 4];
          clamps.bytes = clamps.bytes.subarray(0, clamps.bytes.length - 16);
        },
        /'v\.clamp_data' must be F32 \[60\]/,
      ],
    ];
    for (const [name, edit, problem] of cases) {
      const path = join(dir, `${name}.gguf`);
      await writeMonolithic2(path, "gemma4", edit);
      await assert.rejects(compatProjectorPath(path, { cacheDir: dir }), (error: unknown) => {
        assert.ok(error instanceof CompatError, String(error));
        assert.equal(error.arch, "gemma4");
        assert.match(error.message, problem);
        return true;
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
