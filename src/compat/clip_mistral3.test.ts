import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { derivedProjectorDifferences, writeMonolithic } from "../../tests/fixtures/compat_pairs_vision.ts";
import { compatProjectorPath } from "./compat_projector_path.ts";
import { CompatError } from "./compat_error.ts";

test(
  "clipMistral3 turns a monolithic mistral3's Pixtral tower into its mmproj twin (names, Q/K rows permuted, zero [IMG_BREAK], F32 patches)",
  { timeout: 120_000 },
  async () => {
    assert.deepEqual(await derivedProjectorDifferences("mistral3"), []);
  },
);

test("clipMistral3 refuses Q rows that are not whole heads, and a missing projector, naming mistral3", {
  timeout: 120_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-clip-mistral3-"));
  try {
    const cases: Array<[string, Parameters<typeof writeMonolithic>[2], RegExp]> = [
      [
        "heads",
        (v) => v.published.metadata.set("mistral3.vision.attention.head_count", { type: "uint32", value: 3 }),
        /'v\.blk\.0\.attn_q\.weight' has 32 rows, not 3 heads/,
      ],
      [
        "no-mm2",
        (v) => (v.published.tensors = v.published.tensors.filter((t) => !t.name.startsWith("mm.linear_2"))),
        /'mm\.2\.weight' is missing/,
      ],
    ];
    for (const [name, edit, problem] of cases) {
      const path = join(dir, `${name}.gguf`);
      await writeMonolithic(path, "mistral3", edit);
      await assert.rejects(compatProjectorPath(path, { cacheDir: dir }), (error: unknown) => {
        assert.ok(error instanceof CompatError, String(error));
        assert.equal(error.arch, "mistral3");
        assert.match(error.message, problem);
        return true;
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
