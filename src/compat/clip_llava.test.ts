import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGguf, writeGguf } from "../gguf/mod.ts";
import { compatProjectorPath } from "./compat_projector_path.ts";

test("clipLlava gives a projector without clip.projector_type the mlp type, and leaves a typed one alone", {
  timeout: 120_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-clip-llava-"));
  try {
    const untyped = join(dir, "untyped.gguf");
    const metadata = {
      "general.architecture": "clip",
      "clip.has_vision_encoder": true,
      "clip.vision.block_count": { type: "uint32" as const, value: 1 },
    };
    const tensors = [{ name: "mm.0.weight", type: 0, shape: [4, 4], data: () => new Uint8Array(64) }];
    await writeGguf(untyped, { metadata, tensors });
    const derived = await compatProjectorPath(untyped, { cacheDir: dir });
    assert.ok(derived);
    const file = await readGguf(derived);
    assert.equal(file.metadata["clip.projector_type"], "mlp");
    assert.equal(file.metadata["clip.vision.block_count"], 1);
    assert.deepEqual(file.tensors.map((t) => t.name), ["mm.0.weight"]);
    const typed = join(dir, "typed.gguf");
    await writeGguf(typed, { metadata: { ...metadata, "clip.projector_type": "ldp" }, tensors });
    assert.equal(await compatProjectorPath(typed, { cacheDir: dir }), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
