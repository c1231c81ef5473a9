/**
 * Modelfiles and models made from them: the parser and formatter (Ollama's grammar, messages and quoting), the
 * runner options table, the Modelfile → `/api/create` request step the CLI takes, model creation in the store, and
 * the data `/api/show` and `/api/tags` report for a stored model.
 *
 * @example Create a model from a Modelfile, then show it
 * ```ts
 * const modelfile = parseModelfile(await readFile("Modelfile"));
 * const { request, files } = await modelfileToCreateRequest(modelfile, { baseDir: "." });
 * for (const file of files) await store.writeBlob(createReadStream(file.path), { digest: file.digest });
 * await createModel(store, { ...request, model: "mario" }, { onProgress: (p) => console.log(p.status) });
 * console.log((await showModel(store, "mario")).modelfile);
 * ```
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
/** Create a model in the store from GGUF blobs or another model (`/api/create`), or stream its progress. */
export { createModel, type CreateModelOptions, createModelProgress } from "./create.ts";
/** `/api/show` for a stored model, `/api/tags` details, and the pieces (Modelfile text, parameters, model_info). */
export {
  DEFAULT_TEMPLATE,
  listDetails,
  modelDetails,
  modelInfo,
  parameterLines,
  showModel,
  showModelfile,
  type ShowOptions,
  storedModelCapabilities,
} from "./show.ts";
/** Quantizing a GGUF with libllama in a short-lived Worker (progress, abort), into a file or a store blob. */
export {
  estimateQuantizedSize,
  QUANTIZE_NAMES,
  type QuantizedBlob,
  quantizationsSettled,
  quantizeGguf,
  type QuantizeOptions,
  quantizeToBlob,
  quantizeTypeName,
} from "./quantize.ts";
/** Models linked to a GGUF outside the store (`create` with `link`): check the file is still what was hashed. */
export { checkLink, linkedPath, LinkedWeightsError, type LinkRecord } from "./link.ts";
/** A stored model's config and layers read back (template, system, params, messages, GGUF path); media types. */
export { MEDIA_TYPE, readStoredModel, type StoredModel } from "./stored_model.ts";
/** Capabilities from a GGUF header and template (completion, embedding, vision, tools, insert, thinking). */
export { chatTemplateCapabilities, type CapabilitySources, modelCapabilities } from "./capabilities.ts";
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
