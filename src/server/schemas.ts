/**
 * Ollama's wire types, defined once: valibot schemas for every request body (snake_case, exactly Ollama's field
 * names) and the response shapes as plain types. Each schema's type messages name the Go type, so a wrong type
 * reads as Go's decoder reports it (`json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool`).
 * JSON `null` decodes as "absent", as in Go. cli/ and the library face import these types too.
 * @module
 */
import * as v from "valibot";
import type { CreateProgress, ModelDetails } from "../modelfile/mod.ts";
import { base64Error } from "./base64.ts";

const str = v.nullish(v.string("string"));
const bool = v.nullish(v.boolean("bool"));
const int = v.nullish(v.number("int"));
/** `images`: Go decodes `[]api.ImageData` as standard base64 and refuses anything else with its decoder's message. */
const images = v.nullish(v.array(
  v.pipe(v.string("string"), v.check((s) => base64Error(s) === undefined, (issue) => base64Error(issue.input as string)!)),
  "[]api.ImageData",
));
/** A JSON object decoded into a Go map (valibot's record alone takes an array too; Go's decoder refuses one). */
export const goMap = <T extends v.GenericSchema>(value: T, type: string) =>
  v.pipe(
    v.custom<Record<string, unknown>>((x) => typeof x === "object" && x !== null && !Array.isArray(x), type),
    v.record(v.string(), value, type),
  );
const anyMap = v.nullish(goMap(v.unknown(), "map[string]interface {}"));
/** `keep_alive`: seconds as a number, or a Go duration string. */
const keepAlive = v.nullish(v.union([v.number(), v.string()], "*api.Duration"));
/** `think`: a bool or a level string (checked by the route). */
const think = v.nullish(v.union([v.boolean(), v.string()], "*api.ThinkValue"));
/** `format`: `"json"`, `""`, or a JSON schema object (checked by the route). */
const format = v.nullish(v.unknown());

export const ToolCallSchema = v.object({
  id: str,
  type: str,
  function: v.object({
    index: int,
    name: v.string("string"),
    arguments: v.nullish(goMap(v.unknown(), "api.ToolCallFunctionArguments")),
  }, "api.ToolCallFunction"),
}, "api.ToolCall");

export const MessageSchema = v.object({
  role: v.pipe(v.string("string"), v.transform((role) => role.toLowerCase())),
  content: v.optional(v.nullable(v.string("string")), ""),
  thinking: str,
  images,
  tool_calls: v.nullish(v.array(ToolCallSchema, "[]api.ToolCall")),
  tool_name: str,
  tool_call_id: str,
}, "api.Message");

export const ToolSchema = v.looseObject({
  type: v.optional(v.string("string"), "function"),
  function: v.looseObject({
    name: v.string("string"),
    description: str,
    parameters: v.nullish(v.looseObject({}, "api.ToolFunctionParameters")),
  }, "api.ToolFunction"),
}, "api.Tool");

const common = {
  model: v.optional(v.string("string"), ""),
  stream: bool,
  format,
  keep_alive: keepAlive,
  options: anyMap,
  think,
  truncate: bool,
  shift: bool,
  logprobs: bool,
  top_logprobs: int,
  _debug_render_only: bool,
};

export const GenerateRequestSchema = v.object({
  ...common,
  prompt: str,
  suffix: str,
  system: str,
  template: str,
  context: v.nullish(v.array(v.number("int"), "[]int")),
  raw: bool,
  images,
}, "GenerateRequest");

export const ChatRequestSchema = v.object({
  ...common,
  messages: v.nullish(v.array(MessageSchema, "[]api.Message")),
  tools: v.nullish(v.array(ToolSchema, "api.Tools")),
  /** tollama addition: OpenAI's tool_choice (routes/chat.ts toolChoiceOf). */
  tool_choice: v.nullish(v.unknown()),
}, "ChatRequest");

export const EmbedRequestSchema = v.object({
  model: v.optional(v.string("string"), ""),
  input: v.nullish(v.unknown()),
  keep_alive: keepAlive,
  truncate: bool,
  dimensions: int,
  options: anyMap,
}, "EmbedRequest");

export const EmbeddingRequestSchema = v.object({
  model: v.optional(v.string("string"), ""),
  prompt: str,
  keep_alive: keepAlive,
  options: anyMap,
}, "EmbeddingRequest");

/** pull, push, delete, show: `model`, or the deprecated `name`. */
const named = {
  model: str,
  name: str,
};

export const PullRequestSchema = v.object(
  { ...named, insecure: bool, stream: bool, username: str, password: str },
  "PullRequest",
);
export const PushRequestSchema = v.object({ ...named, insecure: bool, stream: bool }, "PushRequest");
export const DeleteRequestSchema = v.object(named, "DeleteRequest");
export const ShowRequestSchema = v.object({ ...named, verbose: bool, system: str, template: str, options: anyMap }, "ShowRequest");
export const CopyRequestSchema = v.object({ source: str, destination: str }, "CopyRequest");

export const CreateRequestSchema = v.object({
  ...named,
  from: str,
  files: v.nullish(goMap(v.string("string"), "map[string]string")),
  adapters: v.nullish(goMap(v.string("string"), "map[string]string")),
  template: str,
  system: str,
  license: v.nullish(v.union([v.string(), v.array(v.string())], "any")),
  parameters: anyMap,
  messages: v.nullish(v.array(MessageSchema, "[]api.Message")),
  renderer: str,
  parser: str,
  requires: str,
  quantize: str,
  quantization: str,
  /** tollama: with `from` an absolute path to a GGUF file, use the file in place (the blob links to it) instead of a copy. */
  link: bool,
  stream: bool,
  modelfile: str,
}, "CreateRequest");

export type ToolCall = v.InferOutput<typeof ToolCallSchema>;
export type Message = v.InferOutput<typeof MessageSchema>;
export type Tool = v.InferOutput<typeof ToolSchema>;
export type GenerateRequest = v.InferOutput<typeof GenerateRequestSchema>;
export type ChatRequest = v.InferOutput<typeof ChatRequestSchema>;
export type EmbedRequest = v.InferOutput<typeof EmbedRequestSchema>;
export type EmbeddingRequest = v.InferOutput<typeof EmbeddingRequestSchema>;
export type PullRequest = v.InferOutput<typeof PullRequestSchema>;
export type PushRequest = v.InferOutput<typeof PushRequestSchema>;
export type DeleteRequest = v.InferOutput<typeof DeleteRequestSchema>;
export type ShowRequest = v.InferOutput<typeof ShowRequestSchema>;
export type CopyRequest = v.InferOutput<typeof CopyRequestSchema>;
export type CreateRequest = v.InferOutput<typeof CreateRequestSchema>;

/** The six metrics on a final chunk, all durations in nanoseconds. */
export interface Metrics {
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
}

export interface Logprob {
  token: string;
  logprob: number;
  bytes?: number[];
  top_logprobs?: Array<{ token: string; logprob: number; bytes?: number[] }>;
}

export interface GenerateResponse extends Metrics {
  model: string;
  created_at: string;
  response: string;
  thinking?: string;
  done: boolean;
  done_reason?: string;
  context?: number[];
  tool_calls?: ToolCall[];
  logprobs?: Logprob[];
  /** Prompt tokens dropped from the middle to fit the context (tollama addition; absent when none). */
  truncated?: number;
  _debug_info?: DebugInfo;
}

/** `_debug_render_only` answers this instead of generating. */
export interface DebugInfo {
  rendered_template: string;
  image_count: number;
}

export interface ChatResponse extends Metrics {
  model: string;
  created_at: string;
  message: { role: "assistant"; content: string; thinking?: string; tool_calls?: ToolCall[] };
  done: boolean;
  done_reason?: string;
  logprobs?: Logprob[];
  /** Prompt tokens dropped from the middle to fit the context (tollama addition; absent when none). */
  truncated?: number;
  _debug_info?: DebugInfo;
}

/** Progress lines of pull, push and create (Ollama's api.ProgressResponse): the shape create already streams. */
export type ProgressResponse = CreateProgress;

/** `details` of /api/tags, /api/show and /api/ps, as src/modelfile builds them. */
export type { ModelDetails };

export interface ListModel {
  name: string;
  model: string;
  modified_at: string;
  size: number;
  digest: string;
  details: ModelDetails;
  capabilities?: string[];
}

export interface ProcessModel {
  name: string;
  model: string;
  size: number;
  digest: string;
  details: ModelDetails;
  expires_at: string;
  size_vram: number;
  context_length: number;
  /** tollama: with RPC workers (OLLAMA_RPC_SERVERS), where the model's layers are (this machine's CPU, each worker). */
  devices?: Array<{ name: string; description: string; endpoint?: string; layers: number }>;
}
