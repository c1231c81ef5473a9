/**
 * A parsed header as libllama will see it after translation, for whatever reads models without loading them
 * (/api/show's model_info, parameter counts, memory estimates).
 * @module
 */
import type { GgufFile, GgufTensorInfo, GgufType, GgufValue } from "../gguf/mod.ts";
import { ggmlTypeName } from "../gguf/mod.ts";
import type { CompatHeader } from "./header_edit.ts";
import { translateHeader } from "./translate_header.ts";

/**
 * `file` itself when it carries no published-Ollama marker; otherwise the translated header (llama.cpp's keys and
 * tensor names, hidden tensors left out), with tensor offsets as the translated file written by compatModelPath has
 * them. Throws CompatError for a marked file that cannot be translated.
 */
export function translatedView(file: GgufFile): GgufFile {
  const translation = translateHeader(file);
  return translation ? headerView(file, translation.header) : file;
}

/** `file` with a translated header's keys and tensors, offsets laid out as a file written from it has them. */
export function headerView(file: GgufFile, header: CompatHeader): GgufFile {
  const metadata: Record<string, GgufValue> = {};
  const metadataTypes: Record<string, GgufType> = {};
  for (const [key, { type, value }] of header.metadata) {
    metadata[key] = value;
    metadataTypes[key] = type;
  }
  let offset = 0;
  const tensors: GgufTensorInfo[] = header.tensors.map((t) => {
    const info = { name: t.name, type: t.type, typeName: ggmlTypeName(t.type), shape: [...t.shape], offset, size: t.size };
    offset += Math.ceil(t.size / file.alignment) * file.alignment;
    return info;
  });
  return { ...file, metadata, metadataTypes, skippedArrays: {}, tensors };
}
