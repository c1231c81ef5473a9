/**
 * The scheduler's `loadRunner` over the real engine: `loadModel` from engine/ (a Worker per model running libllama),
 * seen through the `ServerRunner` interface the routes use. Prompts arrive rendered, so the engine tokenizes them
 * raw (special tokens parsed, no template of its own).
 * @module
 */
import { stat } from "node:fs/promises";
import { type LoadSpec, loadModel, type OllamaOptions } from "../engine/mod.ts";
import type { GenerationChunk, GenerationRequest, ServerRunner } from "./deps.ts";

/**
 * Loads the model `spec` names into its own Worker, with `numParallel` sequences decoded together (the scheduler
 * must let as many requests share it).
 */
export async function loadEngineRunner(
  spec: LoadSpec,
  signal: AbortSignal,
  options: { numParallel?: number } = {},
): Promise<ServerRunner> {
  let size = (await stat(spec.modelPath)).size;
  for (const adapter of spec.adapters ?? []) size += (await stat(adapter)).size;
  if (spec.projectors?.[0]) size += (await stat(spec.projectors[0])).size;
  const model = await loadModel(spec.modelPath, {
    numCtx: spec.options.num_ctx,
    numThread: spec.options.num_thread || undefined,
    numBatch: spec.options.num_batch,
    embedding: spec.extra?.embedding === true,
    numParallel: options.numParallel ?? 1,
    adapters: spec.adapters,
    // one projector per model, as Ollama loads it
    projector: spec.projectors?.[0],
    signal,
  });
  return {
    contextLength: model.info.nCtx,
    // what the model holds in memory: the weights (the file) and its KV cache (num_ctx × parallel sequences)
    size: size + model.info.kvCacheBytes,
    chatTemplate: model.info.chatTemplate,
    vocabSize: model.info.nVocab,
    devices: model.info.devices,
    get failed() {
      return model.failed;
    },
    tokenize: (text, options) => model.tokenize(text, { addSpecial: options?.addSpecial ?? false, parseSpecial: true }),
    detokenize: (tokens) => model.detokenize(tokens),
    async *generate(request: GenerationRequest): AsyncGenerator<GenerationChunk> {
      // Text gets BOS/EOS as the model wants them; token ids (a `context` continuation) are taken as they are.
      const source = model.generate(request.prompt, {
        raw: true,
        addSpecial: typeof request.prompt === "string",
        options: request.options as OllamaOptions,
        format: request.grammar,
        shift: request.shift,
        truncate: request.truncate,
        logprobs: request.logprobs,
        topLogprobs: request.logprobs ? request.topLogprobs : undefined,
        ...(request.images?.length ? { images: request.images } : {}),
        ...(request.thinkingBudget ? { thinkingBudget: request.thinkingBudget } : {}),
        ...(request.stream === false ? { stream: false } : {}),
        signal: request.signal,
      });
      for await (const chunk of source) {
        if (!chunk.done) {
          yield chunk.logprobs ? { text: chunk.text, done: false, logprobs: chunk.logprobs } : { text: chunk.text, done: false };
          continue;
        }
        const t = chunk.timings;
        yield {
          text: chunk.text,
          done: true,
          doneReason: chunk.doneReason,
          ...(chunk.stopSequence !== undefined ? { stopSequence: chunk.stopSequence } : {}),
          tokens: chunk.tokens,
          promptTokens: chunk.promptTokens,
          truncated: chunk.truncated,
          // OpenAI's usage counts the whole prompt (clients bill on it); Ollama's prompt_eval_count the computed part.
          timings: t && {
            promptTokens: chunk.promptTokens?.length ?? t.promptEvalCount,
            promptEvalTokens: t.promptEvalCount,
            promptMs: t.promptEvalDuration / 1e6,
            evalTokens: t.evalCount,
            evalMs: t.evalDuration / 1e6,
          },
        };
      }
    },
    async embed(inputs, options) {
      const result = await model.embedWithCount(inputs, options);
      return { embeddings: result.vectors, promptTokens: result.promptEvalCount };
    },
    close: () => model.close(),
  };
}
