/**
 * What happens when a request does not fit its context (ollama-reference §1e "Runner-level", Ollama's
 * llm/llama_server.go): a prompt of num_ctx tokens or more is cut in the middle — the first `num_keep` tokens
 * (+BOS) stay, the oldest after them go — when context shift is on, and refused when it is off. During
 * generation, a full context is shifted: half of what follows the kept tokens is dropped and the rest slides
 * back (llama_memory_seq_rm + llama_memory_seq_add).
 * @module
 */

/** The prompt does not fit the context and may not be cut (shift off, or truncate off). Maps to HTTP 400. */
export class ContextLengthError extends Error {
  readonly status = 400;
  constructor(readonly tokens: number, readonly nCtx: number) {
    super(
      "the prompt is longer than the context length currently available to the model; shorten the prompt, " +
        "adjust the context length in settings, or use a model with a longer context length",
    );
    this.name = "ContextLengthError";
  }
}

/** Tokens kept at the start on truncation and shift: num_keep (negative = all), +1 for a BOS, below num_ctx. */
export function keepCount(numKeep: number, promptLength: number, addsBos: boolean, nCtx: number): number {
  let keep = numKeep < 0 ? promptLength : numKeep;
  if (addsBos) keep++;
  return Math.max(0, Math.min(keep, nCtx - 1));
}

/** The longest prompt that still leaves room to generate: Ollama frees about half of what is not kept. */
export function truncatedPromptLimit(nCtx: number, keep: number): number {
  if (nCtx <= 1) return 0;
  const k = Math.max(0, Math.min(keep, nCtx - 1));
  return nCtx - Math.max(Math.floor((nCtx - k) / 2), 1);
}

export interface FitOptions {
  nCtx: number;
  numKeep: number;
  addsBos: boolean;
  shift: boolean;
  truncate: boolean;
}

/**
 * The prompt as it will be evaluated and how many tokens were dropped from it. Throws ContextLengthError when it
 * is too long and may not be cut.
 */
export function fitPrompt(tokens: number[], options: FitOptions): { tokens: number[]; dropped: number } {
  const { nCtx } = options;
  if (tokens.length < nCtx) return { tokens, dropped: 0 };
  if (!options.shift || !options.truncate) throw new ContextLengthError(tokens.length, nCtx);
  const keep = keepCount(options.numKeep, tokens.length, options.addsBos, nCtx);
  const limit = truncatedPromptLimit(nCtx, keep);
  const dropped = tokens.length - limit;
  return { tokens: [...tokens.slice(0, keep), ...tokens.slice(keep + dropped)], dropped };
}

/** How many tokens a context shift drops after the `keep` first of `used`: half the rest, at least one. */
export function shiftDiscard(used: number, keep: number): number {
  return Math.max(1, Math.floor((used - keep) / 2));
}
