import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { derivedProjectorDifferences, writeMonolithic } from "../../tests/fixtures/compat_pairs_vision.ts";
import { compatProjectorPath } from "./compat_projector_path.ts";
import { CompatError } from "./compat_error.ts";

test(
  "clipQwen3vl turns a monolithic qwen3vl's tower into its mmproj twin (fused F32 QKV from F16 and Q8_0, split Conv3D patches, deepstack by block)",
  { timeout: 120_000 },
  async () => {
    assert.deepEqual(await derivedProjectorDifferences("qwen3vl"), []);
  },
);

test(
  "clipQwen3vl refuses a deepstack index past the blocks, a missing V and an unpacked patch embedding, naming qwen3vl",
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "tollama-clip-qwen3vl-"));
    try {
      const cases: Array<[string, Parameters<typeof writeMonolithic>[2], RegExp]> = [
        [
          "deepstack",
          (v) =>
            v.published.metadata.set("qwen3vl.vision.deepstack_visual_indexes", { type: "array<int32>", value: [7] }),
          /names block 7, outside the 2 vision blocks/,
        ],
        [
          "no-v",
          (v) => (v.published.tensors = v.published.tensors.filter((t) => t.name !== "v.blk.1.attn_v.weight")),
          /'v\.blk\.1\.attn_v\.weight' is missing/,
        ],
        ["patch", (v) => {
          const patch = v.published.tensors.find((t) => t.name === "v.patch_embed.weight")!;
          patch.shape = [8, 8, 1, 192];
        }, /'v\.patch_embed\.weight' has shape \[8,8,1,192\]/],
      ];
      for (const [name, edit, problem] of cases) {
        const path = join(dir, `${name}.gguf`);
        await writeMonolithic(path, "qwen3vl", edit);
        await assert.rejects(compatProjectorPath(path, { cacheDir: dir }), (error: unknown) => {
          assert.ok(error instanceof CompatError, String(error));
          assert.equal(error.arch, "qwen3vl");
          assert.match(error.message, problem);
          return true;
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
