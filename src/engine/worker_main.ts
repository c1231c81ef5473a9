/**
 * Inside an inference Worker: owns one model, its context(s) and the batch runner; answers ToWorker messages
 * one at a time. A completion only joins the runner's queue; `pump()` then steps the runner (synchronous FFI)
 * until no request is left, and goes back to the event loop between steps only when the main thread has posted
 * something (the shared `inbox` count), so new requests, cancellations and tokenize calls get in between steps.
 * @module
 */
import { applyAdapters, Batch, type Context, contextSizes, embedTokens, Llama, LoraAdapter, Model, Projector } from "../llama/mod.ts";
import { loadModelFile } from "../compat/mod.ts";
import type { FromWorker, LoadSettings, ModelInfo, SerializedError, TokenLogprob, ToWorker } from "./protocol.ts";
import { BatchRunner } from "./batch_runner.ts";
import { placeOnWorkers } from "./rpc_placement.ts";

/** ggml's F16 type id: the KV cache type libllama uses unless told otherwise. */
const F16 = 1;

type Post = (message: FromWorker) => void;

interface Loaded {
  model: Model;
  context: Context;
  batch: Batch;
  runner: BatchRunner;
  settings: LoadSettings;
  /** Context length of one request. */
  nCtx: number;
  inbox: Int32Array;
  embedding?: { context: Context; batch: Batch };
  /** LoRA adapters on the model, applied to every context made on it. */
  adapters: LoraAdapter[];
}

let loaded: Loaded | undefined;
let pumping = false;

/** One trip through the event loop, without the 4 ms clamp nested timers get. */
const yieldChannel = new MessageChannel();
let wakeUp: (() => void) | undefined;
yieldChannel.port1.onmessage = () => wakeUp?.();
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    wakeUp = resolve;
    yieldChannel.port2.postMessage(0);
  });
}

/** Steps the runner while it has requests; see the module note. */
async function pump(state: Loaded): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    while (loaded === state && state.runner.busy) {
      state.runner.step();
      if (Atomics.load(state.inbox, 0) > 0) await yieldToEvents();
    }
  } catch (error) {
    console.error("tollama worker: the batch loop failed:", error);
    state.runner.cancelAll(error as Error);
  } finally {
    pumping = false;
  }
}

function serialize(error: unknown): SerializedError {
  if (error instanceof Error) {
    const status = (error as { status?: unknown }).status;
    return { name: error.name, message: error.message, ...(typeof status === "number" ? { status } : {}) };
  }
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
        const { id, cancel } = message;
        const send = (text: string, logprobs?: TokenLogprob[]) =>
          post(logprobs ? { type: "chunk", id, text, logprobs } : { type: "chunk", id, text });
        // not streamed: the text waits here and goes as one chunk before the end
        const held = message.request.stream === false ? { text: "", logprobs: [] as TokenLogprob[] } : undefined;
        const flush = () => {
          if (held && (held.text || held.logprobs.length)) send(held.text, held.logprobs.length ? held.logprobs : undefined);
        };
        state.runner.submit(message.request, {
          chunk: (text, logprobs) => {
            if (!held) return send(text, logprobs);
            held.text += text;
            if (logprobs) held.logprobs.push(...logprobs);
          },
          done: (done) => {
            flush();
            post({ type: "done", id, done });
          },
          fail: (error) => {
            flush();
            post({ type: "error", id, error: serialize(error) });
          },
          cancelled: () => Atomics.load(cancel, 0) !== 0,
        });
        void pump(state);
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
          loaded.runner.cancelAll(Object.assign(new Error("the model was closed"), { name: "WorkerGoneError" }));
          loaded.batch.close();
          loaded.embedding?.batch.close();
          loaded.model.close(); // closes its adapters, contexts and samplers first
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
  let batch: Batch | undefined;
  // The main thread gave this load up (its request left, or the load timed out): stop at the next check and free.
  const cancelled = () => Atomics.load(message.cancel, 0) !== 0;
  const stopIfCancelled = () => {
    if (cancelled()) throw Object.assign(new Error("the load was cancelled"), { name: "AbortError" });
  };
  try {
    // The main thread already installed the log callback and loaded the backends for the process.
    const llama = await Llama.open({ libDir: message.libDir, debugLevel: message.debugLevel, processInit: false });
    stopIfCancelled();
    let lastReported = -1;
    const placed = message.settings.rpc ? await placeOnWorkers(llama, message.path, message.settings.rpc) : undefined;
    stopIfCancelled();
    model = await loadModelFile(llama, message.path, {
      ...placed?.load,
      onProgress: (progress) => {
        if (cancelled()) return false; // libllama stops reading tensors and the load fails
        if (progress - lastReported >= 0.05 || progress === 1) {
          lastReported = progress;
          post({ type: "progress", progress });
        }
      },
    });
    stopIfCancelled();
    const settings = message.settings;
    // Before any context: libllama sizes a context's graph by the adapters its model has.
    const adapters = (settings.adapters ?? []).map((path) => LoraAdapter.load(model!, path));
    // An embedding model serves one input at a time; otherwise one sequence per parallel request, one KV cache.
    const nSeqMax = settings.embedding ? 1 : Math.max(1, Math.trunc(settings.numParallel ?? 1) || 1);
    // num_ctx as asked (capped at the trained length) per request, in the ranges libllama can hold.
    const sizes = contextSizes(model.nCtxTrain, { nCtx: settings.numCtx ?? 4096, nSeqMax });
    const perSeq = sizes.nCtx / nSeqMax;
    const contextOptions = {
      nCtx: perSeq,
      nSeqMax,
      kvUnified: settings.kvUnified ?? false,
      flashAttn: settings.flashAttn,
      typeK: settings.kvType,
      typeV: settings.kvType,
      // Ollama's rule: a batch of at most num_ctx (contextSizes then makes it at least one row per sequence)
      nBatch: settings.embedding ? perSeq : Math.min(settings.numBatch ?? 512, perSeq),
      nThreads: settings.numThread,
      embeddings: settings.embedding,
    };
    let context: Context;
    try {
      context = model.createContext(contextOptions);
    } catch (error) {
      // A quantized cache (OLLAMA_KV_CACHE_TYPE) needs head sizes its block divides; a model without them gets the
      // f16 cache, as Ollama falls back for a model that does not support the type.
      if (settings.kvType === undefined || settings.kvType === F16) throw error;
      console.error(`tollama: this model cannot use the OLLAMA_KV_CACHE_TYPE cache (${(error as Error).message}); using f16`);
      context = model.createContext({ ...contextOptions, typeK: F16, typeV: F16 });
    }
    applyAdapters(context, adapters);
    // A request gets num_ctx as asked, not llama.cpp's padded share of the cache.
    const nCtx = Math.min(perSeq, Math.floor(context.nCtx / nSeqMax));
    batch = new Batch(llama.ffi, context.nBatch, 1);
    const log = message.debugLevel > 0 ? (line: string) => console.error(`tollama: ${line}`) : undefined;
    // The projector loads with the model; when it cannot (no libmtmd, a bad file) text still works and an image
    // request gets the reason.
    let projector: Projector | undefined;
    let projectorError: Error | undefined;
    if (settings.projector) {
      try {
        projector = Projector.load(model, settings.projector, { nThreads: context.nThreads });
      } catch (error) {
        projectorError = error as Error;
      }
    }
    const runner = new BatchRunner(model, context, batch, {
      projector: settings.projector
        ? () => {
          if (projector) return projector;
          throw projectorError;
        }
        : undefined,
      nCtx,
      nSeqMax,
      unified: settings.kvUnified ?? false,
      // truncations are always worth a line; shifts only when debugging
      log: (line) => (line.startsWith("truncating") ? console.warn(`tollama: ${line}`) : log?.(line)),
    });
    stopIfCancelled();
    loaded = { model, context, batch, runner, settings, nCtx, inbox: message.inbox, adapters };
    if (settings.embedding) loaded.embedding = { context, batch };
    const info: ModelInfo = {
      nCtx,
      nParallel: nSeqMax,
      nCtxTrain: model.nCtxTrain,
      nEmbd: model.nEmbd,
      nVocab: model.vocab.nTokens,
      nThreads: context.nThreads,
      description: model.description,
      chatTemplate: model.chatTemplate(),
      cpuVariant: llama.cpuVariant,
      kvCacheBytes: context.nCtx * kvBytesPerToken(model),
      ...(placed ? { devices: placed.placement } : {}),
    };
    post({ type: "loaded", info, loadDuration: Math.round((performance.now() - started) * 1e6) });
  } catch (error) {
    loaded = undefined;
    batch?.close();
    model?.close(); // its contexts (and their threadpools) first
    post({ type: "load_error", error: serialize(error) });
  }
}

/**
 * Bytes one token takes in an f16 KV cache, from the model's dimensions (llama.cpp's n_embd_k_gqa/n_embd_v_gqa:
 * head size × KV heads; per-layer arrays, which libllama prints summarised, fall back to the plain head count).
 */
function kvBytesPerToken(model: Model): number {
  const arch = model.meta("general.architecture") ?? "";
  const num = (key: string): number | undefined => {
    const value = Number(model.meta(`${arch}.${key}`));
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const heads = num("attention.head_count") ?? 1;
  const kvHeads = num("attention.head_count_kv") ?? heads;
  const keyLength = num("attention.key_length") ?? model.nEmbd / heads;
  const valueLength = num("attention.value_length") ?? model.nEmbd / heads;
  return model.nLayer * (keyLength + valueLength) * kvHeads * 2;
}

/** The context embeddings run on: the main one for an embedding model, else one made on first use. */
function embeddingContext(state: Loaded): { context: Context; batch: Batch } {
  if (!state.embedding) {
    const nCtx = state.nCtx;
    const context = state.model.createContext({
      nCtx,
      nBatch: nCtx,
      nUbatch: nCtx,
      nThreads: state.settings.numThread,
      embeddings: true,
    });
    applyAdapters(context, state.adapters);
    state.embedding = { context, batch: new Batch(state.model.llama.ffi, nCtx, 1) };
  }
  return state.embedding;
}
