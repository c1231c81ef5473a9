import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { derivedProjectorDifferences, writeMonolithic } from "../../tests/fixtures/compat_pairs_vision.ts";
import { compatProjectorPath } from "./compat_projector_path.ts";
import { CompatError } from "./compat_error.ts";

test(
  "clipQwen25vl turns a monolithic qwen25vl's tower into its mmproj twin (merger and patch renames, F32 patch embeddings, window pattern)",
  { timeout: 120_000 },
  async () => {
    assert.deepEqual(await derivedProjectorDifferences("qwen25vl"), []);
  },
);

test(
  "clipQwen25vl refuses a file without its merger or second patch slice, naming qwen25vl",
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "tollama-clip-qwen25vl-"));
    try {
      const cases: Array<[string, Parameters<typeof writeMonolithic>[2], RegExp]> = [
        [
          "no-mm2",
          (v) => (v.published.tensors = v.published.tensors.filter((t) => !t.name.startsWith("v.merger.mlp.2"))),
          /'mm\.2\.weight' is missing/,
        ],
        [
          "no-slice",
          (v) => (v.published.tensors = v.published.tensors.filter((t) => t.name !== "v.patch_embd_1.weight")),
          /'v\.patch_embd\.weight\.1' is missing/,
        ],
      ];
      for (const [name, edit, problem] of cases) {
        const path = join(dir, `${name}.gguf`);
        await writeMonolithic(path, "qwen25vl", edit);
        await assert.rejects(compatProjectorPath(path, { cacheDir: dir }), (error: unknown) => {
          assert.ok(error instanceof CompatError, String(error));
          assert.equal(error.arch, "qwen25vl");
          assert.match(error.message, problem);
          return true;
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
