/** Errors the llama layer throws; callers may catch them by class. */

/** A method was called on a handle after `close()`. */
export class ClosedError extends Error {
  constructor(what: string) {
    super(`${what} is closed`);
    this.name = "ClosedError";
  }
}

/** A model file could not be loaded (missing, not GGUF, truncated, unsupported). */
export class ModelLoadError extends Error {
  constructor(readonly path: string, reason: string, options?: ErrorOptions) {
    super(`failed to load model ${path}: ${reason}`, options);
    this.name = "ModelLoadError";
  }
}

/** llama_decode (or a context call) failed; `code` is libllama's return code. */
export class DecodeError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = "DecodeError";
  }
}

/** A decode was stopped by the abort callback (llama_decode returned 2). */
export class AbortedError extends Error {
  constructor() {
    super("the operation was aborted");
    this.name = "AbortError";
  }
}
