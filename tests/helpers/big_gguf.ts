/**
 * A GGUF of a chosen size for upload tests and the create benchmark: a real header (llama metadata, written by
 * tollama's own GGUF writer) and tensor data of pseudo-random bytes, one 64 MiB tensor at a time, so making a 1 GiB
 * file holds 64 MiB in memory. `create` reads only the header; the file is not meant to be loaded by libllama.
 *
 * ```ts
 * const path = await writeBigGguf(join(dir, "big.gguf"), 300 * 2 ** 20);
 * ```
 * @module
 */
import { randomFillSync } from "node:crypto";
import { FILE_TYPE, GGML_TYPE, writeGguf } from "../../src/gguf/mod.ts";

const CHUNK = 64 * 2 ** 20;

/** Writes a GGUF at `path` whose tensor data is `dataBytes` (rounded down to 4 bytes) and returns the path. */
export async function writeBigGguf(path: string, dataBytes: number): Promise<string> {
  const block = new Uint8Array(CHUNK);
  randomFillSync(block);
  const tensors = [];
  let left = dataBytes - (dataBytes % 4);
  for (let i = 0; left > 0; i++) {
    const size = Math.min(CHUNK, left);
    left -= size;
    // Each tensor differs in its first bytes, so no two are equal and the file does not compress to nothing.
    tensors.push({
      name: `blk.${i}.pad.weight`,
      type: GGML_TYPE.F32,
      shape: [size / 4],
      data: () => {
        new DataView(block.buffer).setUint32(0, i);
        return block.subarray(0, size);
      },
    });
  }
  await writeGguf(path, {
    metadata: {
      "general.architecture": "llama",
      "general.name": "big upload test",
      "general.file_type": { type: "uint32", value: FILE_TYPE.F32 },
      "llama.context_length": { type: "uint32", value: 128 },
      "llama.embedding_length": { type: "uint32", value: 64 },
      "llama.block_count": { type: "uint32", value: tensors.length },
    },
    tensors,
  });
  return path;
}
