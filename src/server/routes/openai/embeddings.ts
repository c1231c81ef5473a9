/**
 * `/v1/embeddings`: input mapping (string or list of strings; `""` is one empty input, `[]` and token arrays are
 * refused as Ollama does) and the answer with `encoding_format` float or base64 (little-endian float32).
 * @module
 */
import * as v from "valibot";
import { ApiError } from "../../errors.ts";

export const OpenAiEmbeddingRequestSchema = v.looseObject({
  model: v.optional(v.string(), ""),
  input: v.unknown(),
  dimensions: v.nullish(v.number()),
  encoding_format: v.nullish(v.string()),
  keep_alive: v.nullish(v.union([v.number(), v.string()])),
});

export type OpenAiEmbeddingRequest = v.InferOutput<typeof OpenAiEmbeddingRequestSchema>;

/** The inputs of an OpenAI embedding request. */
export function embeddingInputs(input: unknown): string[] {
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === "string")) return input;
  throw new ApiError(400, "invalid input");
}

/** A float32 vector as base64 of its little-endian bytes. */
export function base64Floats(vector: number[]): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  vector.forEach((x, i) => view.setFloat32(i * 4, x, true));
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The `list` answer. */
export function toEmbeddingList(
  model: string,
  embeddings: number[][],
  promptTokens: number,
  encoding: "float" | "base64",
) {
  return {
    object: "list",
    data: embeddings.map((embedding, index) => ({
      object: "embedding",
      embedding: encoding === "base64" ? base64Floats(embedding) : embedding,
      index,
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
