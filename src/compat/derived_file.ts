/**
 * Writes a translation as a GGUF of its own: the translated header, then each kept tensor's bytes read from the
 * published file. libllama then maps it as it maps any model.
 * @module
 */
import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { writeGguf } from "../gguf/mod.ts";
import type { SourceRead } from "./header_edit.ts";
import type { Translation } from "./translate_header.ts";

/** Writes `translation` of the file at `sourcePath` to `destPath` (atomically). */
export async function writeDerivedFile(translation: Translation, sourcePath: string, destPath: string): Promise<void> {
  const source = await open(sourcePath, "r");
  const fd = translation.header.tensors.some((t) => t.produce) ? openSync(sourcePath, "r") : undefined;
  const read: SourceRead = (offset, size) => readRange(fd!, sourcePath, offset, size);
  try {
    await writeGguf(destPath, {
      metadata: Object.fromEntries(translation.header.metadata),
      tensors: translation.header.tensors.map((t) => ({
        name: t.name,
        type: t.type,
        shape: t.shape,
        data: async () => {
          if (t.produce) {
            const produced = t.produce(read);
            if (produced.byteLength !== t.size) {
              throw new RangeError(`tensor '${t.name}': ${produced.byteLength} bytes made, ${t.size} expected`);
            }
            return produced;
          }
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
    if (fd !== undefined) closeSync(fd);
  }
}

/** `size` bytes at `offset` of the open file, read whole. */
export function readRange(fd: number, path: string, offset: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let done = 0;
  while (done < size) {
    const n = readSync(fd, bytes, done, size - done, offset + done);
    if (n === 0) throw new RangeError(`${path} ended at byte ${offset + done}, inside a range of ${size} bytes at ${offset}`);
    done += n;
  }
  return bytes;
}
