/**
 * What /api/show says about the vision part inside a model file: whether libmtmd can be given one (a published-Ollama
 * vision tower that a vision family translates), and that projector's header as libmtmd will read it, without
 * writing the derived projector (compatProjectorPath makes that at load).
 * @module
 */
import { type GgufFile, readGguf } from "../gguf/mod.ts";
import { headerView } from "./translated_view.ts";
import { detectProjectorFamily, translateProjector } from "./translate_projector.ts";

/** The vision keys a family looks at are short arrays; a tokenizer's are not needed. */
const QUICK_ARRAY_ELEMENTS = 64;

/**
 * The name of the vision family whose tower the file at `path` carries, or undefined (no vision part libmtmd can be
 * given: a text model, a vision part no family translates, not a readable GGUF).
 */
export async function visionFamilyOf(path: string): Promise<string | undefined> {
  try {
    return detectProjectorFamily(await readGguf(path, { maxArrayElements: QUICK_ARRAY_ELEMENTS }))?.name;
  } catch {
    return undefined;
  }
}

/**
 * The translated projector header of the file at `path` (keys and tensors as the derived mmproj has them), or
 * undefined when it has no vision part to translate. Throws CompatError for a vision part that cannot be translated.
 */
export async function projectorView(path: string): Promise<GgufFile | undefined> {
  let file: GgufFile;
  try {
    file = await readGguf(path, { maxArrayElements: QUICK_ARRAY_ELEMENTS });
  } catch {
    return undefined;
  }
  // the long arrays left unread (a tokenizer's) are no projector's: the translation keeps only general.* and clip.*
  const metadata0 = Object.fromEntries(Object.entries(file.metadata).filter(([key]) => !(key in file.skippedArrays)));
  const translation = translateProjector({ ...file, metadata: metadata0, skippedArrays: {} });
  return translation ? headerView(file, translation.header) : undefined;
}
