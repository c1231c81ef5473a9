/**
 * Inside an inference Worker: owns one model, its context(s) and the token loop; answers ToWorker messages
 * one at a time (the loop is synchronous, so requests queue in the worker's message queue).
 * @module
 */
import { Batch, type Context, embedTokens, Llama, Model } from "../llama/mod.ts";
import type { FromWorker, LoadSettings, ModelInfo, SerializedError, ToWorker } from "./protocol.ts";
import { TokenLoop } from "./token_loop.ts";

type Post = (message: FromWorker) => void;

interface Loaded {
  model: Model;
  context: Context;
  batch: Batch;
  loop: TokenLoop;
  settings: LoadSettings;
  embedding?: { context: Context; batch: Batch };
}

let loaded: Loaded | undefined;

function serialize(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** Handles one message; `post` sends replies to the main thread. */
export async function handleMessage(message: ToWorker, post: Post): Promise<void> {
  switch (message.type) {
    case "load":
      return await load(message, post);
    case "complete":
      return guarded(message.id, post, () => {
        const state = need();
        const cancelled = () => Atomics.load(message.cancel, 0) !== 0;
        const done = state.loop.run(message.request, cancelled, (text) => post({ type: "chunk", id: message.id, text }));
        post({ type: "done", id: message.id, done });
      });
    case "embed":
      return guarded(message.id, post, () => {
        const { context, batch } = embeddingContext(need());
        const vocab = need().model.vocab;
        const vectors: number[][] = [];
        let promptEvalCount = 0;
        for (const input of message.inputs) {
          if (Atomics.load(message.cancel, 0) !== 0) throw Object.assign(new Error("the operation was aborted"), { name: "AbortError" });
          let tokens = vocab.tokenize(input, { addSpecial: true, parseSpecial: true });
          if (message.truncate && tokens.length > batch.capacity) tokens = tokens.slice(0, batch.capacity);
          promptEvalCount += tokens.length;
          vectors.push(Array.from(embedTokens(context, batch, tokens)));
        }
        post({ type: "result", id: message.id, value: { vectors, promptEvalCount } });
      });
    case "tokenize":
      return guarded(message.id, post, () => {
        const value = need().model.vocab.tokenize(message.text, {
          addSpecial: message.addSpecial,
          parseSpecial: message.parseSpecial,
        });
        post({ type: "result", id: message.id, value });
      });
    case "detokenize":
      return guarded(message.id, post, () => {
        post({ type: "result", id: message.id, value: need().model.vocab.detokenize(message.tokens) });
      });
    case "close":
      try {
        if (loaded) {
          loaded.batch.close();
          loaded.embedding?.batch.close();
          loaded.model.close(); // closes its contexts and samplers first
        }
      } finally {
        loaded = undefined;
        post({ type: "closed" });
      }
      return;
  }
}

function guarded(id: number, post: Post, run: () => void): void {
  try {
    run();
  } catch (error) {
    post({ type: "error", id, error: serialize(error) });
  }
}

function need(): Loaded {
  if (!loaded) throw new Error("no model is loaded in this worker");
  return loaded;
}

async function load(message: Extract<ToWorker, { type: "load" }>, post: Post): Promise<void> {
  const started = performance.now();
  let model: Model | undefined;
  try {
    // The main thread already installed the log callback and loaded the backends for the process.
    const llama = await Llama.open({ libDir: message.libDir, debugLevel: message.debugLevel, processInit: false });
    let lastReported = -1;
    model = Model.load(llama, message.path, {
      onProgress: (progress) => {
        if (progress - lastReported >= 0.05 || progress === 1) {
          lastReported = progress;
          post({ type: "progress", progress });
        }
      },
    });
    const settings = message.settings;
    const nCtx = settings.numCtx ?? 4096;
    const context = model.createContext({
      nCtx,
      nBatch: settings.embedding ? nCtx : settings.numBatch ?? 512,
      nThreads: settings.numThread,
      embeddings: settings.embedding,
    });
    const batch = new Batch(llama.ffi, context.nBatch, 1);
    loaded = { model, context, batch, loop: new TokenLoop(model, context, batch), settings };
    if (settings.embedding) loaded.embedding = { context, batch };
    const info: ModelInfo = {
      nCtx: context.nCtx,
      nCtxTrain: model.nCtxTrain,
      nEmbd: model.nEmbd,
      nVocab: model.vocab.nTokens,
      nThreads: context.nThreads,
      description: model.description,
      chatTemplate: model.chatTemplate(),
      cpuVariant: llama.cpuVariant,
    };
    post({ type: "loaded", info, loadDuration: Math.round((performance.now() - started) * 1e6) });
  } catch (error) {
    model?.close();
    post({ type: "load_error", error: serialize(error) });
  }
}

/** The context embeddings run on: the main one for an embedding model, else one made on first use. */
function embeddingContext(state: Loaded): { context: Context; batch: Batch } {
  if (!state.embedding) {
    const nCtx = state.context.nCtx;
    const context = state.model.createContext({
      nCtx,
      nBatch: nCtx,
      nUbatch: nCtx,
      nThreads: state.settings.numThread,
      embeddings: true,
    });
    state.embedding = { context, batch: new Batch(state.model.llama.ffi, nCtx, 1) };
  }
  return state.embedding;
}
