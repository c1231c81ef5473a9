/**
 * Published-Ollama GGUFs: many models in Ollama's registry use Ollama's own architecture names, metadata keys and
 * tensor names, which the stock libllama refuses (or, for old Llama 3 blobs, tokenizes wrongly). This folder
 * detects them by their markers and translates the header to llama.cpp's layout, one file per architecture family;
 * every tensor keeps its bytes. See ../../../shared/ollama-compat.md for the table.
 *
 * @example
 * ```ts
 * import { compatModelPath } from "./src/compat/mod.ts";
 * const loadable = await compatModelPath("gpt-oss.gguf", { cacheDir: "/tmp/compat" });
 * ```
 * @module
 */

/** The error for a marked file that is malformed for its architecture (names the architecture and the problem). */
export { CompatError } from "./compat_error.ts";
/**
 * Loads a model file: as it is (mmap) without a marker; from its translated header with the file's bytes read into
 * libllama's buffers (no copy on disk) with one; through a derived file only where that cannot serve.
 */
export { loadModelFile } from "./user_load.ts";
export type { LoadModelFileOptions, LoadRoute } from "./user_load.ts";
/** The translation of a marked file, read from its header (undefined without a marker). */
export { readTranslation } from "./compat_model_path.ts";
/** The derived-file route: the path of the translation written as a GGUF of its own (made once, cached). */
export { compatModelPath } from "./compat_model_path.ts";
export type { CompatModelPathOptions } from "./compat_model_path.ts";
/** Detection and header translation without touching the disk. */
export { detectFamily, translateHeader } from "./translate_header.ts";
export type { Translation } from "./translate_header.ts";
/** A parsed header as libllama will see it after translation (for show, parameter counts, estimates). */
export { translatedView } from "./translated_view.ts";
/** A model file's header read from disk as libllama will see it (translated when published-Ollama). */
export { readTranslatedGguf } from "./read_translated.ts";
/** The projector libmtmd should load for a file: a published model's vision tower, or a typeless projector, translated. */
export { compatProjectorPath } from "./compat_projector_path.ts";
export type { CompatProjectorPathOptions } from "./compat_projector_path.ts";
/** For /api/show: whether a file carries a vision part libmtmd can be given, and its projector header. */
export { projectorView, visionFamilyOf } from "./projector_view.ts";
/** The mmproj header of a file's vision part in Ollama's layout. */
export { CLIP_FAMILIES, translateProjector } from "./translate_projector.ts";
export type { ClipFamily } from "./clip_family.ts";
/** Writes a translation as a GGUF of its own. */
export { writeDerivedFile } from "./derived_file.ts";
/** The families and their interface. */
export { FAMILIES } from "./families.ts";
export type { CompatFamily } from "./family.ts";
export type { CompatHeader, CompatTensor, SourceRead } from "./header_edit.ts";
