/**
 * Writes a translation as a GGUF of its own: the translated header, then each kept tensor's bytes read from the
 * published file. libllama then maps it as it maps any model.
 * @module
 */
import { open } from "node:fs/promises";
import { writeGguf } from "../gguf/mod.ts";
import type { Translation } from "./translate_header.ts";

/** Writes `translation` of the file at `sourcePath` to `destPath` (atomically). */
export async function writeDerivedFile(translation: Translation, sourcePath: string, destPath: string): Promise<void> {
  const source = await open(sourcePath, "r");
  try {
    await writeGguf(destPath, {
      metadata: Object.fromEntries(translation.header.metadata),
      tensors: translation.header.tensors.map((t) => ({
        name: t.name,
        type: t.type,
        shape: t.shape,
        data: async () => {
          const bytes = new Uint8Array(t.size);
          let done = 0;
          while (done < t.size) {
            const { bytesRead } = await source.read(bytes, done, t.size - done, t.sourceOffset + done);
            if (bytesRead === 0) throw new RangeError(`${sourcePath} ended inside tensor '${t.name}'`);
            done += bytesRead;
          }
          return bytes;
        },
      })),
    });
  } finally {
    await source.close();
  }
}
