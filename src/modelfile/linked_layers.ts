/**
 * The layers of a model created from an external GGUF file in place (`/api/create` with `from` an absolute path
 * and `link: true`): the file is read where it is, never copied. Without `quantize` it is hashed (a valid
 * manifest needs its real sha256) and becomes a linked blob (link.ts); with `quantize` it is the quantizer's
 * input and the quantized result is stored as an ordinary blob.
 * @module
 */
import { isAbsolute } from "node:path";
import { stat } from "node:fs/promises";
import { GgufError, type GgufFile } from "../gguf/mod.ts";
import { readModelHeader } from "./model_header.ts";
import { detectedTemplateLayers, type PendingLayer } from "./base_layers.ts";
import { CreateModelError } from "./errors.ts";
import { hashForLink } from "./link.ts";
import { MEDIA_TYPE } from "./stored_model.ts";
import type { CreateProgress } from "./types.ts";

const MAX_ARRAY = 64;

/** Whether a create request asks to link `from` in place. */
export function isLinkRequest(request: { link?: boolean | null }): boolean {
  return request.link === true;
}

/**
 * The model layer for the external GGUF `path` (plus an autodetected template, as for uploaded files).
 * `willQuantize` sees the header first (and may throw create's quantize errors before gigabytes are read); when
 * it answers true the file is only the quantizer's input and is not hashed.
 */
export async function layersFromLinkedFile(
  path: string,
  options: {
    willQuantize?: (gguf: GgufFile) => boolean;
    onProgress: (event: CreateProgress) => void;
    signal?: AbortSignal;
  },
): Promise<PendingLayer[]> {
  if (!isAbsolute(path)) throw new CreateModelError("'link' needs 'from' to be an absolute path to a GGUF file");
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CreateModelError(code === "ENOENT" ? `no such file: ${path}` : `cannot read ${path}: ${code ?? error}`);
  }
  if (!info.isFile()) throw new CreateModelError(`not a file: ${path}`);
  options.onProgress({ status: "parsing GGUF" });
  let gguf;
  try {
    gguf = await readModelHeader(path, { maxArrayElements: MAX_ARRAY });
  } catch (error) {
    if (error instanceof GgufError) {
      throw new CreateModelError(
        error.offset === 0 ? "supplied file was not in GGUF format" : `invalid GGUF file: ${error.message}`,
        400,
        { cause: error },
      );
    }
    throw error;
  }
  if (Number(gguf.metadata["split.count"] ?? 1) > 1) throw new CreateModelError(`split GGUF files are not supported yet: ${path}`);
  if (gguf.metadata["general.type"] === "adapter") throw new CreateModelError(`${path} is an adapter, not a model`);

  const layer: PendingLayer = { mediaType: MEDIA_TYPE.model, path, size: info.size, gguf };
  if (!options.willQuantize?.(gguf)) {
    const status = `linking ${path}`;
    const { digest, record } = await hashForLink(path, {
      signal: options.signal,
      onProgress: (completed, total) => options.onProgress({ status, total, completed }),
    });
    layer.digest = digest;
    layer.link = record;
  }
  return [layer, ...detectedTemplateLayers([layer])];
}
