/**
 * The layers a new model starts from: the blobs named in `files` / `adapters` (GGUF only, checked and read), or
 * every layer of an existing model (`from`). Mirrors Ollama's convertModelFromFiles, ggufLayers, parseFromModel and
 * detectChatTemplate.
 * @module
 */
import { open } from "node:fs/promises";
import { type GgufFile, GgufError, ggufProblems } from "../gguf/mod.ts";
import { detectTemplate } from "../prompt/mod.ts";
import { isDigest, normalizeDigest, shortName, type Store, type StoredManifest } from "../store/mod.ts";
import { goJson } from "./_go_format.ts";
import { CreateModelError } from "./errors.ts";
import type { LinkRecord } from "./link.ts";
import { readModelHeader } from "./model_header.ts";
import { MEDIA_TYPE } from "./stored_model.ts";
import type { CreateProgress } from "./types.ts";

/** A layer of the model being made: an existing blob (`digest`) or new content (`data`) not yet written. */
export interface PendingLayer {
  mediaType: string;
  digest?: string;
  data?: Uint8Array;
  size?: number;
  /** The model or file it came from (Ollama's layer `from`). */
  from?: string;
  name?: string;
  /** A status line to report instead of "using existing layer ..." / "creating new layer ...". */
  status?: string;
  /** The request's file name it came from (`files`/`adapters` key), for messages. */
  source?: string;
  /** The GGUF header, for model, adapter and projector layers. */
  gguf?: GgufFile;
  /** An external file the layer's bytes come from (`link`): quantized from it, or linked to it (see link.ts). */
  path?: string;
  /** Link the blob to `path` instead of copying it: the record written beside the symlink. */
  link?: LinkRecord;
}

/** Header arrays longer than this are skipped: create needs counts and names, not the vocabulary. */
const MAX_ARRAY = 64;

/** Every layer of `base`, marked as coming from it; GGUF layers are read for their metadata. */
export async function layersFromModel(store: Store, base: StoredManifest): Promise<PendingLayer[]> {
  const from = shortName(base.name);
  const layers: PendingLayer[] = [];
  for (const layer of base.manifest.layers) {
    const pending: PendingLayer = { mediaType: layer.mediaType, digest: layer.digest, size: layer.size, from };
    if (layer.name) pending.name = layer.name;
    if ([MEDIA_TYPE.model, MEDIA_TYPE.adapter, MEDIA_TYPE.projector, MEDIA_TYPE.draft].includes(layer.mediaType as never)) {
      pending.gguf = await readModelHeader(store.blobPath(layer.digest), { maxArrayElements: MAX_ARRAY });
    }
    layers.push(pending);
  }
  return layers;
}

/**
 * Layers for the GGUF blobs of a `files` or `adapters` map, sorted by file name, followed by an autodetected
 * template (and its params) when a GGUF carries a `tokenizer.chat_template` we recognise.
 */
export async function layersFromFiles(
  store: Store,
  files: Record<string, string>,
  options: { adapter: boolean; onProgress: (event: CreateProgress) => void },
): Promise<PendingLayer[]> {
  const kind = await detectFileKind(store, files);
  if (kind === "safetensors") {
    throw new CreateModelError("converting safetensors models is not available yet; import a GGUF file instead");
  }
  if (kind !== "gguf") throw new CreateModelError("unknown type");
  const names = Object.keys(files).sort();
  if (names.length === 0) throw new CreateModelError("no files provided to convert");

  const layers: PendingLayer[] = [];
  for (const name of names) {
    options.onProgress({ status: "parsing GGUF" });
    const digest = checkedDigest(files[name]);
    const gguf = await readGgufBlob(store, digest);
    if (Number(gguf.metadata["split.count"] ?? 1) > 1) {
      throw new CreateModelError(`split GGUF files are not supported yet: ${name}`);
    }
    let mediaType: string = MEDIA_TYPE.model;
    if (options.adapter || gguf.metadata["general.type"] === "adapter") mediaType = MEDIA_TYPE.adapter;
    else if (isProjector(gguf)) mediaType = MEDIA_TYPE.projector;
    // A model libllama would abort on is refused here, with what is wrong, rather than at its first load.
    if (mediaType === MEDIA_TYPE.model) {
      const problems = ggufProblems(gguf);
      if (problems.length > 0) throw new CreateModelError(`invalid model file: ${problems.join("; ")}`);
    }
    layers.push({ mediaType, digest, size: gguf.fileSize, gguf, source: name });
  }
  return [...layers, ...detectedTemplateLayers(layers)];
}

/** Ollama's detectChatTemplate: a named template (and its stop list) for each GGUF whose chat template we know. */
export function detectedTemplateLayers(layers: PendingLayer[]): PendingLayer[] {
  const out: PendingLayer[] = [];
  const encoder = new TextEncoder();
  for (const layer of layers) {
    const chatTemplate = layer.gguf?.metadata["tokenizer.chat_template"];
    if (typeof chatTemplate !== "string" || chatTemplate === "") continue;
    const detected = detectTemplate(chatTemplate);
    if (!detected) continue;
    const { name, template, parameters } = detected.template;
    out.push({ mediaType: MEDIA_TYPE.template, data: encoder.encode(template), status: `using autodetected template ${name}` });
    if (parameters) out.push({ mediaType: MEDIA_TYPE.params, data: encoder.encode(goJson(parameters, { sortKeys: true })) });
  }
  return out;
}

/** "gguf", "safetensors" or "" from the first file whose name or magic says (Ollama's detectModelTypeFromFiles). */
async function detectFileKind(store: Store, files: Record<string, string>): Promise<string> {
  for (const [name, digest] of Object.entries(files)) {
    if (name.endsWith(".safetensors")) return "safetensors";
    if (name.endsWith(".gguf")) return "gguf";
    if (!isDigest(digest)) return "";
    const magic = await readHead(store.blobPath(digest), 4).catch(() => undefined);
    return magic && isGgufMagic(magic) ? "gguf" : "";
  }
  return "";
}

function checkedDigest(digest: string): string {
  if (!isDigest(digest)) throw new CreateModelError("invalid digest format");
  return normalizeDigest(digest);
}

/** Reads a blob's GGUF header after checking that the blob exists and starts like a GGUF file. */
async function readGgufBlob(store: Store, digest: string): Promise<GgufFile> {
  const path = store.blobPath(digest);
  let head: Uint8Array;
  try {
    head = await readHead(path, 4);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new CreateModelError(`blob "${digest}" not found`);
    throw error;
  }
  if (!isGgufMagic(head)) throw new CreateModelError("supplied file was not in GGUF format");
  try {
    // a published-Ollama file is described (family, size, checks, quantization) as libllama will load it
    return await readModelHeader(path, { maxArrayElements: MAX_ARRAY });
  } catch (error) {
    if (error instanceof GgufError) throw new CreateModelError(`invalid GGUF file: ${error.message}`, 400, { cause: error });
    throw error;
  }
}

async function readHead(path: string, length: number): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** "GGUF" in either byte order (Ollama's DetectContentType). */
function isGgufMagic(head: Uint8Array): boolean {
  const text = String.fromCharCode(...head.subarray(0, 4));
  return text === "GGUF" || text === "FUGG";
}

/** Ollama's isProjectorGGUF: a vision or audio encoder GGUF (mmproj) rather than a language model. */
function isProjector(gguf: GgufFile): boolean {
  const kind = gguf.metadata["general.type"];
  if (kind === "projector" || kind === "mmproj") return true;
  const arch = String(gguf.metadata["general.architecture"] ?? "");
  const value = (key: string) => gguf.metadata[`${arch}.${key}`];
  const blockCount = Number(value("block_count") ?? 0);
  if (blockCount === 0 && Number(value("vision.block_count") ?? 0) > 0) return true;
  return arch === "clip" && blockCount === 0 && (value("has_vision_encoder") === true || value("has_audio_encoder") === true);
}
