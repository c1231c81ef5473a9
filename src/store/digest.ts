/**
 * Blob digests: `sha256:<64 hex>` in manifests and APIs, `sha256-<64 hex>` as file names (Ollama accepts either
 * separator). Digests are normalised to lower-case hex so one blob has one name.
 * @module
 */
import { InvalidDigestError } from "./errors.ts";

const DIGEST = /^sha256[:-]([0-9a-fA-F]{64})$/;

/** `sha256:<hex>` for any accepted spelling; throws `InvalidDigestError` otherwise. */
export function normalizeDigest(digest: string): string {
  const match = typeof digest === "string" ? DIGEST.exec(digest) : null;
  if (!match) throw new InvalidDigestError(String(digest));
  return `sha256:${match[1].toLowerCase()}`;
}

/** Whether `digest` is `sha256:<hex>` or `sha256-<hex>`. */
export function isDigest(digest: string): boolean {
  return typeof digest === "string" && DIGEST.test(digest);
}

/** The blob file name of a digest: `sha256-<hex>`. */
export function blobFileName(digest: string): string {
  return normalizeDigest(digest).replace(":", "-");
}

/** The digest a blob file name stands for, or undefined when the name is not one (temp files, partial downloads). */
export function digestOfFileName(name: string): string | undefined {
  return /^sha256-[0-9a-f]{64}$/.test(name) ? `sha256:${name.slice(7)}` : undefined;
}
