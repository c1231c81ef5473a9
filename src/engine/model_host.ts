/**
 * The main-thread side of an inference Worker: spawns it, loads the model in it, and turns requests into
 * messages and replies back into promises and async iterators. The main thread never runs the token loop,
 * so HTTP keeps flowing while a model computes.
 * @module
 */
import { config } from "../config.ts";
import { runtime } from "../runtime/mod.ts";
import { Llama, ModelLoadError } from "../llama/mod.ts";
import { kvCacheSettings } from "./kv_cache_settings.ts";
import { onRpcLost, prepareRpc } from "./rpc_head.ts";
import type {
  CompletionDone,
  CompletionRequest,
  FromWorker,
  LoadSettings,
  ModelInfo,
  SerializedError,
  TokenLogprob,
  ToWorker,
} from "./protocol.ts";

type OnChunk = (text: string, logprobs?: TokenLogprob[]) => void;

/** The model's Worker stopped (crashed, or was closed) while a request was in flight. */
export class WorkerGoneError extends Error {
  constructor(reason: string) {
    super(`the model's worker stopped: ${reason}`);
    this.name = "WorkerGoneError";
  }
}

type Pending = {
  onChunk?: OnChunk;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
};

export interface StartOptions extends LoadSettings {
  onProgress?: (progress: number) => void;
  /** Aborting stops the load (the worker is terminated). */
  signal?: AbortSignal;
}

/**
 * The worker module. In a `bun build --compile` executable it is an extra entry point, addressed from the build's
 * root (the repo: scripts/compile.mjs), since every bundled module's import.meta.url is the executable's.
 */
function revive(error: SerializedError): Error {
  const out = new Error(error.message);
  out.name = error.name;
  if (error.status !== undefined) Object.assign(out, { status: error.status });
  return out;
}

/** How a worker answered its load message, or that it died first. */
type LoadAnswer =
  | Extract<FromWorker, { type: "loaded" | "load_error" }>
  | { type: "died"; message: string };

/** Most time close() waits for the worker to free its model before it stops waiting (the worker goes on). */
const CLOSE_WAIT_MS = 10_000;

/** One model in one Worker. */
export class ModelHost {
  readonly path: string;
  readonly info: ModelInfo;
  /** How long the load took, in nanoseconds. */
  readonly loadDuration: number;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  /** Messages posted and not yet received by the worker (its batch loop yields only when this is > 0). */
  readonly #inbox: Int32Array;
  #nextId = 1;
  #closing: Promise<void> | undefined;
  #gone: Error | undefined;

  private constructor(path: string, worker: Worker, info: ModelInfo, loadDuration: number, inbox: Int32Array) {
    this.path = path;
    this.#worker = worker;
    this.#inbox = inbox;
    this.info = info;
    this.loadDuration = loadDuration;
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault?.();
      this.#fail(new WorkerGoneError(event.message ?? "worker error"));
    };
  }

  /**
   * Spawns a worker and loads `path` in it; rejects with ModelLoadError (the worker is ended). Aborting `signal`
   * stops the load at the worker's next check; the call rejects with the signal's reason once the worker has
   * freed what it made and is ended (or after CLOSE_WAIT_MS, the worker then ended when it is done).
   */
  static async start(path: string, options: StartOptions = {}): Promise<ModelHost> {
    options.signal?.throwIfAborted();
    // Once per process, on this (never blocked) thread: the log callback, the CPU backends, backend init,
    // the layout check. Workers reuse all of it.
    const llama = await Llama.open({
      libDir: config.llamaLibDir(),
      execPath: runtime.compiled ? runtime.execPath() : undefined,
      debugLevel: config.debugLevel(),
    });
    // OLLAMA_RPC_SERVERS: checked here, where ggml cannot abort a request half done (see rpc_head.ts)
    const rpc = await prepareRpc(llama);
    const worker = runtime.spawnWorker(new URL("./worker.ts", import.meta.url), {
      name: `tollama model ${path}`,
      entry: "src/engine/worker.ts",
    });
    const cache = kvCacheSettings();
    if (cache.warning) console.error(`tollama: ${cache.warning}`);
    const settings: LoadSettings = {
      numCtx: options.numCtx,
      numThread: options.numThread,
      numBatch: options.numBatch,
      embedding: options.embedding,
      numParallel: options.numParallel ?? (options.embedding ? 1 : config.numParallel()),
      kvUnified: options.kvUnified,
      flashAttn: cache.flashAttn,
      kvType: cache.kvType,
      adapters: options.adapters,
      projector: options.projector,
      ...(rpc ? { rpc } : {}),
    };
    const inbox = new Int32Array(new SharedArrayBuffer(4));
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const answer = new Promise<LoadAnswer>((resolve) => {
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const message = event.data;
        if (message.type === "progress") {
          if (Atomics.load(cancel, 0) === 0) options.onProgress?.(message.progress);
        } else if (message.type === "loaded" || message.type === "load_error") resolve(message);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault?.();
        resolve({ type: "died", message: event.message });
      };
    });
    const load: ToWorker = {
      type: "load",
      path,
      libDir: llama.libDir,
      debugLevel: config.debugLevel(),
      settings,
      inbox,
      cancel,
    };
    worker.postMessage(load);
    let stopWatchingLoad: (() => void) | undefined;
    const lostDuringLoad = new Promise<LoadAnswer>((resolve) => {
      if (rpc) stopWatchingLoad = onRpcLost((error) => resolve({ type: "died", message: error.message }));
    });
    const signal = options.signal;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal?.reason ?? new DOMException("the load was aborted", "AbortError"));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
    let result: LoadAnswer | undefined;
    let reason: unknown;
    try {
      // a worker lost while ggml connects to it or sends it the weights parks the loading thread: give up the load
      result = await Promise.race([answer, aborted, ...(rpc ? [lostDuringLoad] : [])]);
    } catch (error) {
      reason = error;
    } finally {
      if (onAbort) signal?.removeEventListener("abort", onAbort);
      stopWatchingLoad?.();
    }
    if (result === undefined) {
      // Given up while the worker is inside libllama: terminating it now would strand the model, and a context's
      // threadpool threads with it, in a worker that never runs again (and a process that exits meanwhile tears
      // libllama down under it). It stops at its next check (the load's progress callback), frees what it made and
      // answers; it is ended then, before this rejects, unless that takes longer than a close may.
      Atomics.store(cancel, 0, 1);
      const ended = answer.then(async (late) => {
        if (late.type === "loaded") await new ModelHost(path, worker, late.info, late.loadDuration, inbox).close();
        else worker.terminate();
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
      throw reason;
    }
    if (result.type === "loaded") {
      const host = new ModelHost(path, worker, result.info, result.loadDuration, inbox);
      // a lost worker fails this model's requests; the scheduler then drops it (`failed`)
      if (rpc) host.#stopWatching = onRpcLost((error) => host.#fail(error));
      return host;
    }
    worker.terminate(); // it freed what it had made before answering (worker_main's load)
    if (result.type === "died") throw new ModelLoadError(path, `the worker failed: ${result.message}`);
    if (result.error.name === "ModelLoadError") {
      throw Object.assign(new ModelLoadError(path, ""), { message: result.error.message });
    }
    throw revive(result.error);
  }

  /**
   * Runs a completion; `onChunk` gets text as it is produced. Aborting `signal` stops it between tokens (or
   * inside the prefill) and rejects with the signal's reason.
   */
  complete(request: CompletionRequest, onChunk?: OnChunk, signal?: AbortSignal): Promise<CompletionDone> {
    return this.#call<CompletionDone>((id, cancel) => ({ type: "complete", id, request, cancel }), onChunk, signal);
  }

  /** L2-normalised embeddings of each input. */
  embed(inputs: string[], options: { truncate?: boolean; signal?: AbortSignal } = {}) {
    return this.#call<{ vectors: number[][]; promptEvalCount: number }>(
      (id, cancel) => ({ type: "embed", id, inputs, truncate: options.truncate ?? true, cancel }),
      undefined,
      options.signal,
    );
  }

  tokenize(text: string, options: { addSpecial?: boolean; parseSpecial?: boolean } = {}): Promise<number[]> {
    return this.#call<number[]>((id) => ({
      type: "tokenize",
      id,
      text,
      addSpecial: options.addSpecial ?? true,
      parseSpecial: options.parseSpecial ?? true,
    }));
  }

  detokenize(tokens: number[]): Promise<string> {
    return this.#call<string>((id) => ({ type: "detokenize", id, tokens }));
  }

  /** Cancels what is running, frees the model in the worker, and ends the worker. Idempotent. */
  close(): Promise<void> {
    this.#stopWatching?.();
    this.#closing ??= (async () => {
      for (const cancel of this.#cancels.values()) Atomics.store(cancel, 0, 1);
      for (const pending of this.#pending.values()) pending.reject(new WorkerGoneError("the model was closed"));
      if (!this.#gone) {
        const closed = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS);
          this.#onClosed = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        this.#post({ type: "close" });
        if (!await closed) {
          // Still inside one native call (a long decode step): terminating now would strand its context, and the
          // context's threadpool threads, in a worker that never runs again. It frees them when the call returns
          // and answers "closed" (or dies); it is ended then.
          this.#gone = new WorkerGoneError("the model was closed");
          this.#onClosed = () => this.#worker.terminate();
          console.warn(`tollama: the worker of ${this.path} is still busy; it is ended once it has freed the model`);
          return;
        }
      }
      this.#worker.terminate();
      this.#gone ??= new WorkerGoneError("the model was closed");
      // the Worker's heap and the buffers it shared go now, not at the collector's next whim (Bun kept ~200 MB idle)
      setTimeout(() => runtime.collectGarbage(), 0);
    })();
    return this.#closing;
  }

  #onClosed: (() => void) | undefined;
  readonly #cancels = new Map<number, Int32Array>();

  #call<T>(
    build: (id: number, cancel: Int32Array) => ToWorker,
    onChunk?: OnChunk,
    signal?: AbortSignal,
  ): Promise<T> {
    if (this.#gone || this.#closing) return Promise.reject(this.#gone ?? new WorkerGoneError("the model was closed"));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => Atomics.store(cancel, 0, 1);
    signal?.addEventListener("abort", onAbort, { once: true });
    return new Promise<T>((resolve, reject) => {
      this.#cancels.set(id, cancel);
      this.#pending.set(id, {
        onChunk,
        resolve: resolve as (value: unknown) => void,
        reject: (error) => reject(error.name === "AbortError" && signal?.aborted ? signal.reason : error),
      });
      this.#post(build(id, cancel));
    }).finally(() => {
      signal?.removeEventListener("abort", onAbort);
      this.#pending.delete(id);
      this.#cancels.delete(id);
    });
  }

  /** Posts to the worker, counting the message first so its batch loop knows to look. */
  #post(message: ToWorker): void {
    Atomics.add(this.#inbox, 0, 1);
    this.#worker.postMessage(message);
  }

  #receive(message: FromWorker): void {
    switch (message.type) {
      case "chunk":
        this.#pending.get(message.id)?.onChunk?.(message.text, message.logprobs);
        return;
      case "done":
        this.#pending.get(message.id)?.resolve(message.done);
        return;
      case "result":
        this.#pending.get(message.id)?.resolve(message.value);
        return;
      case "error":
        this.#pending.get(message.id)?.reject(revive(message.error));
        return;
      case "closed":
        this.#onClosed?.();
        return;
    }
  }

  /** The model can serve no more (its worker crashed, or an RPC worker it used was lost); close() still applies. */
  get failed(): boolean {
    return this.#gone !== undefined && this.#closing === undefined;
  }

  #stopWatching: (() => void) | undefined;

  #fail(error: Error): void {
    this.#stopWatching?.();
    this.#gone = error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#onClosed?.();
  }
}
