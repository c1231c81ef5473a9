/**
 * The manifest format (Docker image manifest v2, schema 2, with Ollama's layer media types) and its validation.
 * Manifests are stored as the exact bytes received; parsing checks every digest and size so that nothing read from
 * a manifest can name a file outside `blobs/`.
 * @module
 */
import { normalizeDigest } from "./digest.ts";
import { InvalidManifestError } from "./errors.ts";

export interface Layer {
  mediaType: string;
  digest: string;
  size: number;
  /** The blob's origin (set by create for layers taken from another model). */
  from?: string;
  /** Tensor or file name, for safetensors models. */
  name?: string;
}

export interface Manifest {
  schemaVersion: number;
  mediaType: string;
  config: Layer;
  layers: Layer[];
}

export const MEDIA_TYPE_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const MEDIA_TYPE_CONFIG = "application/vnd.docker.container.image.v1+json";

function checkLayer(value: unknown, where: string): Layer {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidManifestError(`${where} is not an object`);
  }
  const layer = value as Record<string, unknown>;
  if (typeof layer.digest !== "string") throw new InvalidManifestError(`${where} has no digest`);
  try {
    normalizeDigest(layer.digest);
  } catch {
    throw new InvalidManifestError(`${where} has an invalid digest ${JSON.stringify(layer.digest)}`);
  }
  if (!layer.digest.startsWith("sha256:")) {
    throw new InvalidManifestError(`${where} has an invalid digest ${JSON.stringify(layer.digest)}`);
  }
  if (typeof layer.size !== "number" || !Number.isSafeInteger(layer.size) || layer.size < 0) {
    throw new InvalidManifestError(`${where} has an invalid size`);
  }
  if (layer.mediaType !== undefined && typeof layer.mediaType !== "string") {
    throw new InvalidManifestError(`${where} has an invalid mediaType`);
  }
  return value as Layer;
}

/**
 * Parses and checks manifest bytes (or text). Digests are kept as written but must be `sha256:<64 hex>`.
 * Throws `InvalidManifestError`.
 */
export function parseManifest(data: Uint8Array | string): Manifest {
  const text = typeof data === "string" ? data : new TextDecoder().decode(data);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const start = text.trimStart().slice(0, 40);
    throw new InvalidManifestError(`not JSON (${(error as Error).message}); starts with ${JSON.stringify(start)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidManifestError("not a JSON object");
  }
  const manifest = value as Record<string, unknown>;
  if (!Array.isArray(manifest.layers)) throw new InvalidManifestError("no layers");
  manifest.layers.forEach((layer, i) => checkLayer(layer, `layer ${i}`));
  // Ollama tolerates a missing config (its digest is then empty); keep that, but check one that is present.
  const config = manifest.config;
  if (config !== undefined && config !== null) {
    if (typeof config !== "object" || Array.isArray(config)) throw new InvalidManifestError("config is not an object");
    const digest = (config as Record<string, unknown>).digest;
    if (digest !== undefined && digest !== "") checkLayer(config, "config");
  }
  return value as Manifest;
}

/** All blob digests a manifest references: its layers, then its config when it has one. */
export function manifestDigests(manifest: Manifest): string[] {
  const digests = manifest.layers.map((layer) => normalizeDigest(layer.digest));
  if (manifest.config?.digest) digests.push(normalizeDigest(manifest.config.digest));
  return digests;
}

/** Layers plus config, in bytes (Ollama's `size` in /api/tags). */
export function manifestSize(manifest: Manifest): number {
  let size = manifest.config?.size ?? 0;
  for (const layer of manifest.layers) size += layer.size;
  return size;
}
