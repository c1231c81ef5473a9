/**
 * The engine: models loaded in inference Workers, the token loop, and the scheduler.
 * @module
 */
/** Load a GGUF model in its own Worker and run completions/embeddings on it. */
export {
  type CompleteOptions,
  type Completion,
  type GenerateChunk,
  LoadedModel,
  loadModel,
  type LoadModelOptions,
} from "./load_model.ts";
/** A model file is validated, and loaded once in a child process (`tollama __probe-load`), before it loads here. */
export { checkLoadable, type CheckLoadableOptions, ModelCrashError } from "./load_probe.ts";
export { LOAD_PROBE_COMMAND, runLoadProbe } from "./load_probe_child.ts";
/** The main-thread handle of one inference Worker. */
export { ModelHost, type StartOptions, WorkerGoneError } from "./model_host.ts";
/** Ollama's runtime options. */
export { DEFAULT_OPTIONS, maxThreadCount, type OllamaOptions, samplingOptions, stopSequences } from "./options.ts";
/** Worker protocol types. */
export type {
  CompletionDone,
  CompletionRequest,
  DevicePlacement,
  DoneReason,
  LoadSettings,
  ModelInfo,
  ThinkingBudget,
  Timings,
  TokenLogprob,
} from "./protocol.ts";
/** Per-token log-probabilities (log-softmax of the raw logits). */
export { MAX_TOP_LOGPROBS, type TokenProb } from "./logprobs.ts";
/** Which models stay loaded: leases, keep-alive, eviction, the request queue. */
export {
  InsufficientMemoryError,
  type Lease,
  type LoadOptions,
  type LoadSpec,
  LoadTimeoutError,
  type MemoryBudget,
  needsReload,
  type RunnerStatus,
  Scheduler,
  type SchedulerOptions,
  type SchedulerRunner,
  ServerBusyError,
} from "./scheduler.ts";
/** What a model takes in memory (Ollama's estimate), and the budget the server's scheduler fits models into. */
export { estimateMemory, type EstimateOptions, kvBytesPerElement, type MemoryEstimate } from "./memory_estimate.ts";
export { estimateSpec, localMemory, systemMemoryBudget } from "./memory_budget.ts";
/** Text-level stop sequences. */
export { StopMatcher } from "./stop_matcher.ts";
/** Prompt longer than the context (shift or truncate off); maps to HTTP 400. */
export { ContextLengthError } from "./overflow.ts";
/** How a too-long prompt is cut (the server predicts the tokens a model will read for usage reports). */
export { keepCount, truncatedPromptLimit } from "./overflow.ts";
