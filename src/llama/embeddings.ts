/**
 * Sentence embeddings as Ollama returns them: the pooled vector of a sequence (or the last token's, for models
 * without pooling), L2-normalised.
 * @module
 */
import type { Batch } from "./batch.ts";
import type { Context } from "./context.ts";

/** Scales `vector` to unit length in place (a zero vector stays zero); throws on NaN/Inf like Ollama. */
export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  if (!Number.isFinite(sum)) throw new RangeError("embedding contains NaN or Inf");
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}

/**
 * Embeds one token sequence on an embeddings context (sequence 0, memory cleared first). The whole input must
 * fit one batch: pooling needs every token in the same ubatch.
 */
export function embedTokens(context: Context, batch: Batch, tokens: ArrayLike<number>): Float32Array {
  if (tokens.length === 0) throw new RangeError("cannot embed an empty input");
  if (tokens.length > batch.capacity || tokens.length > context.nUbatch) {
    throw new RangeError(`the input length (${tokens.length} tokens) exceeds the context length (${context.nUbatch})`);
  }
  context.clear();
  batch.clear();
  for (let i = 0; i < tokens.length; i++) batch.add(tokens[i], i, 0, true);
  context.decode(batch);
  return l2Normalize(context.embedding(0, tokens.length - 1));
}
