import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { derivedProjectorDifferences, writeMonolithic } from "../../tests/fixtures/compat_pairs_vision.ts";
import { compatProjectorPath } from "./compat_projector_path.ts";
import { CompatError } from "./compat_error.ts";

test(
  "clipLlama4 turns a monolithic llama4's tower into its mmproj twin (adapter MLP and projector renames, scale factor from the shuffle ratio)",
  { timeout: 120_000 },
  async () => {
    assert.deepEqual(await derivedProjectorDifferences("llama4"), []);
  },
);

test(
  "clipLlama4 refuses a file without its projector or class embedding, naming llama4",
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "tollama-clip-llama4-"));
    try {
      const cases: Array<[string, Parameters<typeof writeMonolithic>[2], RegExp]> = [
        [
          "no-fc",
          (v) => (v.published.tensors = v.published.tensors.filter((t) => t.name !== "mm.linear_1.weight")),
          /'mm\.model\.fc\.weight' is missing/,
        ],
        [
          "no-cls",
          (v) => (v.published.tensors = v.published.tensors.filter((t) => t.name !== "v.class_embedding")),
          /'v\.class_embd' is missing/,
        ],
      ];
      for (const [name, edit, problem] of cases) {
        const path = join(dir, `${name}.gguf`);
        await writeMonolithic(path, "llama4", edit);
        await assert.rejects(compatProjectorPath(path, { cacheDir: dir }), (error: unknown) => {
          assert.ok(error instanceof CompatError, String(error));
          assert.equal(error.arch, "llama4");
          assert.match(error.message, problem);
          return true;
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
