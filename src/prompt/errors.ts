/** Errors of the prompt layer. */

/** A chat template failed to render (bad template text or a template's own `raise_exception`). */
export class PromptTemplateError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PromptTemplateError";
  }
}
