/**
 * Snowflake Arctic Embed 2 (an XLM-RoBERTa `bert` with a T5/Unigram tokenizer) as Ollama published it: the
 * tokenizer's `precompiled_charsmap` (SentencePiece's normalization table) stored as an array of one-character
 * strings spelling its base64 text. libllama wants the raw bytes (uint8/int8) and refuses the file otherwise.
 * @module
 */
import { archOf, type CompatFamily } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

const CHARSMAP = "tokenizer.ggml.precompiled_charsmap";

/** bert with Snowflake markers (Ollama: handle_snowflake_arctic_embed2). */
export const bert: CompatFamily = {
  name: "bert",
  detect: (file) =>
    archOf(file) === "bert" && file.metadata["tokenizer.ggml.model"] === "t5" && file.metadataTypes[CHARSMAP] === "array<string>",
  translate(edit: HeaderEdit) {
    const entries = edit.array(CHARSMAP)!;
    let text = "";
    for (const [i, entry] of entries.entries()) {
      if (typeof entry !== "string" || entry.length !== 1) {
        edit.fail(`${CHARSMAP} entry ${i} is ${JSON.stringify(entry)}, not one base64 character`);
      }
      text += entry;
    }
    let binary: string;
    try {
      binary = atob(text);
    } catch {
      edit.fail(`${CHARSMAP} is not base64 text`);
    }
    // at least the 4-byte length of its double array, and that array inside it (libllama reads past it otherwise)
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const tableSize = bytes.length >= 4 ? new DataView(bytes.buffer).getUint32(0, true) : undefined;
    if (tableSize === undefined || tableSize + 4 >= bytes.length) {
      edit.fail(`${CHARSMAP} decodes to ${bytes.length} bytes, too few for its table of ${tableSize ?? "?"} bytes`);
    }
    edit.set(CHARSMAP, "array<uint8>", [...bytes]);
  },
};
