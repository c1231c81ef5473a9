/**
 * Log-probabilities of a step's output, from the raw logits before sampling (llama-server's logprob mode): the
 * log-softmax over the whole vocabulary, `logit − logsumexp(logits)`, whatever temperature or grammar the sampler
 * then applies. Computed only for requests that ask (one pass over the vocabulary per token; the top-N are kept in
 * a small sorted array during that pass, never a full sort).
 * @module
 */
import type { Model } from "../llama/mod.ts";

/** One token with its log-probability: its text (the piece, special tokens rendered) and the piece's raw bytes. */
export interface TokenProb {
  token: string;
  logprob: number;
  bytes: number[];
}

/** The chosen token of a step, with the `top` most likely tokens of that step when asked. */
export interface TokenLogprob extends TokenProb {
  top?: TokenProb[];
}

/** Ollama and OpenAI cap top_logprobs at 20. */
export const MAX_TOP_LOGPROBS = 20;

/** logsumexp of `logits` (shifted by the max, so large logits do not overflow). */
export function logSumExp(logits: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return max + Math.log(sum);
}

/** Ids of the `n` largest logits, largest first (ties: lower id first), by one pass with insertion into n slots. */
export function topIds(logits: Float32Array, n: number): number[] {
  const k = Math.max(0, Math.min(n, logits.length));
  const ids: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (ids.length === k && (k === 0 || v <= values[k - 1])) continue;
    let at = ids.length === k ? k - 1 : ids.length;
    while (at > 0 && values[at - 1] < v) {
      if (at < k) {
        values[at] = values[at - 1];
        ids[at] = ids[at - 1];
      }
      at--;
    }
    values[at] = v;
    ids[at] = i;
  }
  return ids;
}

/** A step's figures, taken from the raw logits before the sampler runs. */
export class StepLogprobs {
  readonly #logits: Float32Array;
  readonly #lse: number;
  readonly #top: Array<{ id: number; logprob: number }>;

  constructor(logits: Float32Array, topN: number) {
    this.#logits = logits;
    this.#lse = logSumExp(logits);
    const ids = topN > 0 ? topIds(logits, Math.min(topN, MAX_TOP_LOGPROBS)) : [];
    this.#top = ids.map((id) => ({ id, logprob: logits[id] - this.#lse }));
  }

  /** The chosen token's entry; read before the next decode (the logits view is the context's buffer). */
  entry(model: Model, token: number): TokenLogprob {
    const out: TokenLogprob = { ...tokenText(model, token), logprob: this.#logits[token] - this.#lse };
    if (this.#top.length) out.top = this.#top.map(({ id, logprob }) => ({ ...tokenText(model, id), logprob }));
    return out;
  }
}

const decoder = new TextDecoder("utf-8");

function tokenText(model: Model, token: number): { token: string; bytes: number[] } {
  const piece = model.vocab.piece(token, true);
  return { token: decoder.decode(piece), bytes: Array.from(piece) };
}
