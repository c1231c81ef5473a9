/**
 * The error for a file that carries a published-Ollama marker but cannot be translated.
 * @module
 */

/** A published-Ollama GGUF that is malformed for its architecture (a missing tensor, a wrong shape, a short array). */
export class CompatError extends Error {
  /** The architecture family whose translation failed ("gptoss", "gemma3" ...). */
  readonly arch: string;
  /** Ollama answers a model its runner cannot load with 500. */
  readonly status = 500;
  constructor(arch: string, problem: string, options?: ErrorOptions) {
    super(`Ollama-layout ${arch} model cannot be translated: ${problem}`, options);
    this.name = "CompatError";
    this.arch = arch;
  }
}
