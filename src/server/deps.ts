/**
 * What the routes need from the rest of tollama, stated as small interfaces (Ollama's `LlamaServer` seam):
 * the store (local models, blobs, pull/push/create), a loaded model (generate, embed, tokenize) and the prompt
 * renderer. `assemble.ts` fills them from the real store/, engine/, prompt/ and registry/; tests may too.
 * @module
 */
import type { DevicePlacement, Scheduler } from "../engine/mod.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { CreateRequest, ListModel, Message, ModelDetails, ProgressResponse, Tool, ToolCall } from "./schemas.ts";

/** A local model resolved from its manifest. */
export interface ResolvedModel {
  /** Shortest display name, e.g. `llama3.2:latest`. */
  name: string;
  /** e.g. `registry.ollama.ai/library/llama3.2:latest`. */
  fullName: string;
  /** sha256 hex of the manifest. */
  digest: string;
  modelPath: string;
  template?: string;
  system?: string;
  /** Ollama's named renderer / parser (config blob, Modelfile `RENDERER` / `PARSER`): they pick the chat format. */
  renderer?: string;
  parser?: string;
  params: Record<string, unknown>;
  messages: Message[];
  adapters: string[];
  projectors: string[];
  /** `completion`, `tools`, `insert`, `vision`, `embedding`, `thinking`. */
  capabilities: string[];
  details: ModelDetails;
}

export interface ServerStore {
  list(): Promise<ListModel[]>;
  /** Throws an error with `status` 404 (or 400 for an invalid name). */
  resolve(name: string): Promise<ResolvedModel>;
  show(name: string, options: { verbose: boolean }): Promise<Record<string, unknown>>;
  copy(source: string, destination: string): Promise<void>;
  delete(name: string): Promise<void>;
  hasBlob(digest: string): Promise<boolean>;
  /** Stores a blob, verifying its digest; returns false when it was already present. */
  writeBlob(digest: string, body: ReadableStream<Uint8Array>): Promise<boolean>;
  pull(name: string, options: { insecure: boolean; signal: AbortSignal }): AsyncIterable<ProgressResponse>;
  push(name: string, options: { insecure: boolean; signal: AbortSignal }): AsyncIterable<ProgressResponse>;
  create(request: CreateRequest & { model: string }, signal: AbortSignal): AsyncIterable<ProgressResponse>;
}

/** One step of generation as the engine yields it. */
export interface GenerationChunk {
  text: string;
  done: boolean;
  doneReason?: "stop" | "length" | string;
  /** Final chunk: the stop sequence that ended generation (absent when the model ended it). */
  stopSequence?: string;
  /** Output token ids of this chunk. */
  tokens?: number[];
  /** The whole prompt's token ids (final chunk). */
  promptTokens?: number[];
  /**
   * `promptTokens`: the whole prompt; `promptEvalTokens`: those computed (the prefix reused from the KV cache
   * excluded; defaults to `promptTokens`).
   */
  timings?: { promptTokens: number; promptEvalTokens?: number; promptMs: number; evalTokens: number; evalMs: number };
  /** Per token behind this chunk; `bytes`: the token's raw bytes (else the UTF-8 of `token`). */
  logprobs?: Array<{
    token: string;
    logprob: number;
    bytes?: number[];
    top?: Array<{ token: string; logprob: number; bytes?: number[] }>;
  }>;
  /** Final chunk: prompt tokens dropped from the middle to fit the context (0 or absent when none). */
  truncated?: number;
}

/** A format's thinking block for a thinking budget (chat_format's ThinkingTags). */
export interface ThinkingTags {
  open: readonly string[];
  close: readonly string[];
  closeText: string;
  startsInside: boolean;
}

/** A thinking budget: the tags, and the thinking tokens allowed before `closeText` ends the block. */
export interface ThinkingBudget extends ThinkingTags {
  tokens: number;
}

export interface GenerationRequest {
  /** Text (tokenized with special tokens parsed) or token ids. */
  prompt: string | number[];
  options: Record<string, unknown>;
  /** GBNF grammar constraining the output. */
  grammar?: string;
  signal?: AbortSignal;
  /** Whether to add BOS etc. when tokenizing text. */
  addSpecial?: boolean;
  logprobs?: boolean;
  topLogprobs?: number;
  /** Ollama's `shift` (default true): cut a too-long prompt in the middle and go on past the context. */
  shift?: boolean;
  /** Ollama's `truncate` (default true): false refuses a too-long prompt. */
  truncate?: boolean;
  /** Image files (decoded from base64) for a model with a projector; `[img-N]` in `prompt` places image N. */
  images?: Uint8Array[];
  /** Caps the thinking at `tokens` tokens, then writes `closeText` (Anthropic's `budget_tokens`). */
  thinkingBudget?: ThinkingBudget;
  /** false: the answer goes out whole, so the text may come as one chunk at the end (default true). */
  stream?: boolean;
}

/** A loaded model as the routes use it. */
export interface ServerRunner {
  readonly contextLength: number;
  /** Bytes of memory the model holds (reported by /api/ps). */
  readonly size: number;
  /** Tokens in the vocabulary (token ids from clients are checked against it). */
  readonly vocabSize?: number;
  /** With RPC workers (OLLAMA_RPC_SERVERS): the devices the model's layers are on (/api/ps shows them). */
  readonly devices?: DevicePlacement[];
  /** True once it can serve no more (an RPC worker it used was lost): the scheduler loads it again. */
  readonly failed?: boolean;
  /** The GGUF's `tokenizer.chat_template`, if any. */
  readonly chatTemplate?: string;
  /** Special tokens in the text are parsed; `addSpecial` adds BOS/EOS as the model wants (as a text prompt gets). */
  tokenize(text: string, options?: { addSpecial?: boolean }): number[] | Promise<number[]>;
  detokenize(tokens: number[]): string | Promise<string>;
  generate(request: GenerationRequest): AsyncIterable<GenerationChunk>;
  embed(inputs: string[], options: { truncate: boolean; signal?: AbortSignal }): Promise<{
    embeddings: number[][];
    promptTokens: number;
  }>;
  close(): void | Promise<void>;
}

/** Renders chat messages into a prompt with a model's template. */
export interface PromptRenderer {
  render(input: {
    model: ResolvedModel;
    /** Overrides the model's Go template (generate's `template`). */
    template?: string;
    /** The GGUF's Jinja `tokenizer.chat_template`, used when the model has no Go template. */
    chatTemplate?: string;
    messages: Message[];
    tools?: Tool[];
    think?: boolean | string;
    /** Fill-in-the-middle: the template executed with `.Prompt` and `.Suffix`. */
    suffix?: { prompt: string; suffix: string };
    /** Drop the oldest messages until the prompt fits `numCtx` tokens (Ollama's chatPrompt). */
    truncate?: { numCtx: number; countTokens: (text: string) => number | Promise<number> };
    /**
     * Given (a model with a projector), images are tagged `[img-N]` in the prompt (Ollama's placeholders) and
     * this receives those of the rendered messages, in N order.
     */
    images?: (images: string[]) => void;
  }): Promise<string> | string;
  /** The text a model writes before a tool call (e.g. `<tool_call>`); undefined when calls start with `{`. */
  toolCallTag?(model: ResolvedModel, chatTemplate?: string): string | undefined;
  /**
   * The GBNF forcing a call of `tools` (the named one, else any; `parallel`: one or more) in the model's chat
   * format, read back as calls by `parser` (`prompt`: the rendered prompt, `think`: the request thinks).
   */
  toolGrammar?(input: {
    model: ResolvedModel;
    chatTemplate?: string;
    tools: Tool[];
    name?: string;
    parallel?: boolean;
    think?: boolean;
    prompt?: string;
  }): string;
  /** A `format` grammar placed where the model's chat format answers (after thinking, harmony's final channel). */
  responseGrammar?(input: { model: ResolvedModel; chatTemplate?: string; grammar: string; think?: boolean; prompt?: string }): string;
  /** The model's thinking tags for a reply to `prompt`, for a thinking budget; undefined where it has none. */
  thinkingTags?(input: { model: ResolvedModel; chatTemplate?: string; think?: boolean; prompt: string }): ThinkingTags | undefined;
  /** Splits streamed output into content, thinking and tool calls. */
  parser(
    input: { model: ResolvedModel; chatTemplate?: string; tools?: Tool[]; think?: boolean; prompt: string },
  ): OutputParser;
}

/** A piece of a tool call's arguments as it is generated; the pieces of one call concatenate to its arguments JSON. */
export interface ToolCallDelta {
  /** The call's `function.index`, equal to the whole call's that follows. */
  index: number;
  /** Equal to the whole call's id. */
  id: string;
  name: string;
  arguments: string;
}

export interface OutputParser {
  /** `toolCallDeltas`: arguments of calls still being written (the whole calls come in `toolCalls` later). */
  add(text: string, done: boolean): { content: string; thinking: string; toolCalls: ToolCall[]; toolCallDeltas?: ToolCallDelta[] };
}

export interface AppDeps {
  store: ServerStore;
  scheduler: Scheduler<ServerRunner>;
  prompt: PromptRenderer;
  /** The address the server binds, for the DNS-rebinding guard. */
  bindHost?: string;
  /** Extra CORS origins (OLLAMA_ORIGINS). */
  origins?: string[];
  bodyLimit?: number;
  keepAliveMs?: () => number;
  /** OLLAMA_CONTEXT_LENGTH (0 → pick). */
  contextLength?: () => number;
  now?: () => number;
  /** Log one line per request on stdout, as Ollama's gin logger does (server/request_log.ts). */
  logRequests?: boolean;
  /** Prometheus metrics at GET /metrics: createApp makes them unless `false` (TOLLAMA_METRICS). */
  metrics?: ServerMetrics | false;
  /** Keys a request must present (TOLLAMA_API_KEY); empty or absent: none needed (server/api_key.ts). */
  apiKeys?: readonly string[];
}
