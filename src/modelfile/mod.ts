/**
 * Modelfiles and models made from them: the parser and formatter (Ollama's grammar, messages and quoting), the
 * runner options table, the Modelfile → `/api/create` request step the CLI takes, model creation in the store, and
 * the data `/api/show` and `/api/tags` report for a stored model.
 * @module
 */

/** Modelfile errors and create errors (with the HTTP status Ollama answers). */
export { CreateModelError, ModelfileParseError } from "./errors.ts";
/** Parse a Modelfile into commands; the instruction and role lists. */
export { type Command, INSTRUCTIONS, MESSAGE_ROLES, type Modelfile, parseModelfile } from "./parse.ts";
/** Write commands back as Modelfile text (round-trips through the parser). */
export { formatCommand, formatModelfile, isRepresentable, quoteValue } from "./format.ts";
/** The runner options: names, types, defaults; typed parsing of PARAMETER values and API option values. */
export {
  checkOptionValue,
  DEPRECATED_PARAMETERS,
  isOptionName,
  type OptionName,
  OPTIONS,
  type OptionSpec,
  type OptionType,
  OptionValueError,
  parseParameterValue,
} from "./options.ts";
/** A parsed Modelfile (+ its directory) as a create request, with the local files to upload as blobs. */
export {
  fileDigest,
  type LocalFile,
  ModelFilesNotFoundError,
  modelfileToCreateRequest,
  type ModelfileRequest,
  type ToCreateRequestOptions,
} from "./request.ts";
/** Request and response shapes of create and show. */
export type {
  CreateProgress,
  CreateRequest,
  MessageInput,
  ModelConfig,
  ModelDetails,
  ShowResponse,
  TensorSummary,
} from "./types.ts";
