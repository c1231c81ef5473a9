/**
 * libllama through FFI, on Deno and Bun: typed, runtime-agnostic wrappers over one handle each (Llama → Model →
 * Context / Sampler / Batch), each with `close()` and `[Symbol.dispose]`. Synchronous by design: run the token
 * loop in a Worker (src/engine/worker.ts).
 * @module
 */
/** The opened library (once per thread). */
export { Llama, loadedCpuVariant, type OpenLlamaOptions } from "./backend.ts";
/** A loaded GGUF model. */
export { type ChatMessage, type LoadOptions, Model } from "./model.ts";
/** A tensor to fill on a load without a file (`Model.fromUser`). */
export { TensorSlot } from "./tensor_slot.ts";
export { cpuExtraBufferTypes, type WeightShape } from "./repack.ts";
/** Tokenizer of a model. */
export { type TokenizeOptions, Vocab } from "./vocab.ts";
/** A LoRA adapter on a model, and attaching adapters to a context. */
export { applyAdapters, LoraAdapter } from "./adapter.ts";
/** A llama_context with threadpool, memory ops, abort; the sizes it is created with, in the ranges libllama needs. */
export { Context, type ContextOptions, contextSizes } from "./context.ts";
/** A multi-sequence llama_batch. */
export { Batch } from "./batch.ts";
/** Sampler chain from Ollama options; greedy argmax; check-first grammar. */
export { argmax, GrammarError, Sampler, type SamplingOptions } from "./sampler.ts";
/** Pooled, L2-normalised embeddings. */
export { embedTokens, l2Normalize } from "./embeddings.ts";
/** Errors of this layer. */
export { AbortedError, ClosedError, DecodeError, ModelLoadError } from "./errors.ts";
/** Library discovery. */
export { candidateDirs, LibraryNotFoundError, locateLlama, locateMtmd } from "./ffi/locate.ts";
/** Layout self-check failure. */
export { LayoutMismatchError } from "./check_layout.ts";
/** Log routing for libllama's lines; `watchLog` sees every line (quantize reads its failure reason there). */
export { type LogSink, setLogSink, setLogVerbosity, watchLog } from "./log.ts";
/** libllama's quantizer (blocking: run it in a Worker). */
export { LLAMA_FTYPE, QuantizeError, quantizeFile, type QuantizeFileOptions, quantizeParams } from "./quantize.ts";
/** Thread counts: the default (physical cores), the cap (CPUs this process may use), a request made usable. */
export { defaultThreadCount, maxThreadCount, threadCount } from "./threads.ts";
/** ggml's RPC backend: serve this machine's CPU to heads, use workers as a model's devices. */
export {
  armRpcGuard,
  connectionKey,
  cpuDevice,
  deviceMemory,
  installRpcGuard,
  layerPlacement,
  loadRpcBackend,
  offloadLayerCount,
  parseEndpoint,
  probeRpcWorker,
  RPC_DEFAULT_PORT,
  type RpcDevice,
  rpcDevices,
  RpcUnavailableError,
  RpcWorkerError,
  serveRpc,
  type ServeRpcOptions,
} from "./rpc.ts";
/** Images through libmtmd: a projector for a model, multimodal prompts, their errors. */
export { ImageInputError, type MediaChunk, MediaPrompt, MtmdUnavailableError, Projector, ProjectorLoadError } from "./mtmd.ts";
