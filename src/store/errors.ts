/**
 * The store's errors, with Ollama's messages. The server maps them to status codes: `ModelNotFoundError` 404,
 * `BlobNotFoundError` 404, `InvalidDigestError` 400, `DigestMismatchError` 400, `InvalidModelRefError` 400,
 * `InvalidManifestError` 500.
 * @module
 */

/** `model 'x' not found` (Ollama's wording for show, delete, generate; copy's handler quotes with `"` instead). */
export class ModelNotFoundError extends Error {
  /** The model as shown in the message. */
  readonly model: string;
  constructor(model: string) {
    super(`model '${model}' not found`);
    this.name = "ModelNotFoundError";
    this.model = model;
  }
}

/** A digest that is not `sha256:<64 hex>` (or `sha256-<64 hex>`): Ollama's `invalid digest format`. */
export class InvalidDigestError extends Error {
  readonly digest: string;
  constructor(digest: string) {
    super("invalid digest format");
    this.name = "InvalidDigestError";
    this.digest = digest;
  }
}

/** Bytes that do not hash to the digest they were sent under. Nothing is left behind when this is thrown. */
export class DigestMismatchError extends Error {
  readonly expected: string;
  readonly actual: string;
  /** Default message: the one Ollama's POST /api/blobs sends. */
  constructor(expected: string, actual: string, message = `digest mismatch, expected "${expected}", got "${actual}"`) {
    super(message);
    this.name = "DigestMismatchError";
    this.expected = expected;
    this.actual = actual;
  }
}

/** `blob "sha256:…" not found` (HEAD /api/blobs). */
export class BlobNotFoundError extends Error {
  readonly digest: string;
  constructor(digest: string) {
    super(`blob "${digest}" not found`);
    this.name = "BlobNotFoundError";
    this.digest = digest;
  }
}

/** A manifest whose bytes are not a manifest (not JSON, wrong shape, invalid digests). */
export class InvalidManifestError extends Error {
  constructor(detail: string) {
    super(`invalid manifest: ${detail}`);
    this.name = "InvalidManifestError";
  }
}

/** A model reference with a part that could not be a path segment of the store (`..`, `/`, empty...). */
export class InvalidModelRefError extends Error {
  constructor(detail: string) {
    super(`invalid model name: ${detail}`);
    this.name = "InvalidModelRefError";
  }
}
