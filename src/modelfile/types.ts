/**
 * The shapes create and show work with, field for field Ollama's api.CreateRequest, api.ShowResponse and
 * api.ModelDetails. They accept what server/schemas.ts validates (null reads as absent) without importing it, since
 * dependencies point from the server down to this folder.
 * @module
 */

/** A chat message as a create request or a messages layer holds it. */
export interface MessageInput {
  role: string;
  content?: string | null;
  thinking?: string | null;
  images?: string[] | null;
  tool_calls?: unknown[] | null;
  tool_name?: string | null;
  tool_call_id?: string | null;
}

/** The body of `POST /api/create` in its current JSON form. */
export interface CreateRequest {
  /** The model to create (or the deprecated `name`). */
  model?: string | null;
  name?: string | null;
  /** An existing model to start from. */
  from?: string | null;
  /** File name → `sha256:<hex>` of blobs already in the store (GGUF). */
  files?: Record<string, string> | null;
  /** File name → digest of one GGUF LoRA adapter. */
  adapters?: Record<string, string> | null;
  /** File name → digest of a draft model (speculative decoding). */
  draft_files?: Record<string, string> | null;
  template?: string | null;
  system?: string | null;
  license?: string | string[] | null;
  parameters?: Record<string, unknown> | null;
  messages?: MessageInput[] | null;
  renderer?: string | null;
  parser?: string | null;
  requires?: string | null;
  quantize?: string | null;
  /** Deprecated spelling of `quantize`. */
  quantization?: string | null;
  draft_quantize?: string | null;
  /**
   * tollama: use the GGUF file at `from` (an absolute path) in place instead of copying it into the store: its
   * blob is a symlink to the file (see link.ts). With `quantize`, the file is only read.
   */
  link?: boolean | null;
  stream?: boolean | null;
}

/** One progress line of `/api/create` (Ollama's api.ProgressResponse). */
export interface CreateProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/** `details` in /api/tags, /api/show and /api/ps. */
export interface ModelDetails {
  parent_model: string;
  format: string;
  family: string;
  families: string[] | null;
  parameter_size: string;
  quantization_level: string;
  context_length?: number;
  embedding_length?: number;
}

/** One tensor in `/api/show` with `verbose`. */
export interface TensorSummary {
  name: string;
  type: string;
  shape: number[];
}

/** The body of a `POST /api/show` answer. Empty strings and lists are left out, as Go's omitempty does. */
export interface ShowResponse {
  license?: string;
  modelfile?: string;
  parameters?: string;
  template?: string;
  system?: string;
  renderer?: string;
  parser?: string;
  details: ModelDetails;
  messages?: MessageInput[];
  model_info: Record<string, unknown>;
  projector_info?: Record<string, unknown>;
  tensors?: TensorSummary[];
  capabilities?: string[];
  modified_at: string;
  requires?: string;
  /** tollama: the external file a linked model's weights live in (`create` with `link`). */
  link?: string;
}

/** The config blob of a model (Ollama's model.ConfigV2). */
export interface ModelConfig {
  model_format: string;
  model_family: string;
  model_families: string[] | null;
  model_type: string;
  file_type: string;
  renderer?: string;
  parser?: string;
  requires?: string;
  remote_host?: string;
  remote_model?: string;
  capabilities?: string[];
  context_length?: number;
  embedding_length?: number;
  base_name?: string;
  architecture: string;
  os: string;
}
