/**
 * Errors of the Modelfile parser and of model creation, carrying Ollama's exact messages.
 * @module
 */

/** A Modelfile that does not parse. `line` is set for the errors Ollama reports with `(line N): `. */
export class ModelfileParseError extends SyntaxError {
  /** 1-based line, or undefined for errors Ollama reports without one (`unexpected EOF`, `no FROM line`). */
  readonly line: number | undefined;
  /** The message without the line prefix. */
  readonly reason: string;

  constructor(reason: string, line?: number) {
    super(line ? `(line ${line}): ${reason}` : reason);
    this.name = "ModelfileParseError";
    this.line = line;
    this.reason = reason;
  }
}

/**
 * A create request that cannot be carried out. `status` is the HTTP status Ollama answers with: 400 for a bad
 * request (`neither 'from' or 'files' was specified`, `invalid digest format`, `template error: ...`), 404 for a
 * missing base model, 500 otherwise.
 */
export class CreateModelError extends Error {
  readonly status: number;

  constructor(message: string, status = 400, options?: ErrorOptions) {
    super(message, options);
    this.name = "CreateModelError";
    this.status = status;
  }
}
