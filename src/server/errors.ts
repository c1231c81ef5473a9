/**
 * Errors as values made in one place: `ApiError(status, message)` and named makers carrying Ollama's exact strings.
 * The app's single error handler (`errorResponse`) turns anything thrown into `{"error": ...}` with a status; the
 * OpenAI routes wrap the same errors in OpenAI's `{"error":{"message","type",...}}` shape.
 * @module
 */

/** An error with an HTTP status and the message Ollama sends for it. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ApiError";
    this.status = status;
  }
}

export const missingBody = (): ApiError => new ApiError(400, "missing request body");
export const modelRequired = (): ApiError => new ApiError(400, "model is required");
/** `model 'x' not found` (generate, chat, show, delete). */
export const modelNotFound = (name: string): ApiError => new ApiError(404, `model '${name}' not found`);
/** `model "x" not found, try pulling it first` (embed, embeddings). */
export const modelNotFoundPull = (name: string): ApiError =>
  new ApiError(404, `model "${name}" not found, try pulling it first`);
/** `model "x" not found` (copy). */
export const copySourceNotFound = (name: string): ApiError => new ApiError(404, `model "${name}" not found`);
export const invalidModelName = (): ApiError => new ApiError(400, "invalid model name");
export const invalidName = (name: string): ApiError => new ApiError(400, `name "${name}" is invalid`);
export const invalidSource = (name: string): ApiError => new ApiError(400, `source "${name}" is invalid`);
export const invalidDestination = (name: string): ApiError => new ApiError(400, `destination "${name}" is invalid`);
export const invalidDigest = (): ApiError => new ApiError(400, "invalid digest format");
export const blobNotFound = (digest: string): ApiError => new ApiError(404, `blob "${digest}" not found`);
export const digestMismatch = (want: string, got: string): ApiError =>
  new ApiError(400, `digest mismatch, expected "${want}", got "${got}"`);
export const doesNotSupport = (name: string, what: "generate" | "chat" | "thinking" | "insert" | "embedding"): ApiError =>
  new ApiError(400, `"${name}" does not support ${what}`);
export const doesNotSupportTools = (fullName: string): ApiError => new ApiError(400, `${fullName} does not support tools`);
export const rawModeConflict = (): ApiError =>
  new ApiError(400, "raw mode does not support template, system, or context");
export const invalidThink = (value: string): ApiError =>
  new ApiError(400, `invalid think value: "${value}" (must be "high", "medium", "low", "max", true, or false)`);
export const topLogprobsRange = (): ApiError => new ApiError(400, "top_logprobs must be between 0 and 20");
export const invalidFormat = (detail: string): ApiError => new ApiError(400, `invalid format: ${detail}`);
export const invalidInputType = (): ApiError => new ApiError(400, "invalid input type");
export const inputTooLong = (): ApiError => new ApiError(400, "the input length exceeds the context length");
export const optionType = (key: string, type: string): ApiError =>
  new ApiError(400, `option "${key}" must be of type ${type}`);
export const serverBusy = (): ApiError =>
  new ApiError(503, "server busy, please try again.  maximum pending requests exceeded");
export const requestCanceled = (): ApiError => new ApiError(499, "request canceled");
export const bodyTooLarge = (limit: number): ApiError =>
  new ApiError(413, `request body too large (limit ${limit} bytes)`);
export const invalidUtf8 = (): ApiError => new ApiError(400, "request body is not valid UTF-8");
/** Deno's errors for a request body that ended early or was framed wrongly (Bun answers those itself, with a 400). */
const BODY_READ_ERROR = /^Cannot read (request )?body as underlying resource unavailable|^invalid HTTP\/1 request/;
const BAD_CHUNK = /^invalid HTTP\/1 request/;

/**
 * A body the runtime could not read to its end, with Go's words for it: a body cut short is `unexpected EOF` (its
 * JSON decoder's), a bad chunk size `malformed chunked encoding` (net/http's chunked reader's).
 */
export const bodyReadFailed = (cause?: unknown): ApiError =>
  new ApiError(400, BAD_CHUNK.test(String((cause as Error)?.message)) ? "malformed chunked encoding" : "unexpected EOF", { cause });

/**
 * A failure of the request's own `template` (generate's field) is the client's: 400 with Go's text/template message,
 * the one Ollama sends (it answers 500). Anything else passes through unchanged.
 */
export function requestTemplateError(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== "PromptTemplateError") return error;
  const cause = error.cause instanceof Error ? error.cause : error;
  return new ApiError(400, cause.message, { cause: error });
}

/** Statuses for the named errors of the layers below (their messages are already Ollama's). */
const ERROR_STATUS: Record<string, number> = {
  ModelNotFoundError: 404,
  BlobNotFoundError: 404,
  RegistryNotFoundError: 404,
  InvalidModelNameError: 400,
  InvalidModelRefError: 400,
  InvalidDigestError: 400,
  DigestMismatchError: 400,
  InsecureProtocolError: 400,
  ModelfileParseError: 400,
  OptionValueError: 400,
  GrammarError: 400,
  SchemaConversionError: 400,
  ServerBusyError: 503,
  ContextLengthError: 400,
  LoadTimeoutError: 500,
};

/** Status and message for anything thrown: an ApiError keeps its own; a known error name maps; the rest is 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof Error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 600) return new ApiError(status, error.message);
    if (error.name === "AbortError") return requestCanceled();
    if (BODY_READ_ERROR.test(error.message)) return bodyReadFailed(error);
    const mapped = ERROR_STATUS[error.name];
    if (mapped) return new ApiError(mapped, error.message, { cause: error });
    return new ApiError(500, error.message, { cause: error });
  }
  return new ApiError(500, String(error));
}

/** The one place an error becomes an HTTP response in Ollama's shape. */
export function errorResponse(error: unknown): Response {
  const apiError = toApiError(error);
  return Response.json({ error: apiError.message }, { status: apiError.status });
}

/** OpenAI's error type for a status. */
function openAiErrorType(status: number): string {
  if (status === 404) return "not_found_error";
  if (status >= 400 && status < 500) return "invalid_request_error";
  return "api_error";
}

/** OpenAI's error object for an error (used as the response body and as a mid-stream SSE event). */
export function openAiErrorBody(error: unknown): { error: { message: string; type: string; param: null; code: null } } {
  const apiError = toApiError(error);
  return { error: { message: apiError.message, type: openAiErrorType(apiError.status), param: null, code: null } };
}

/** An error as OpenAI's clients expect it. */
export function openAiErrorResponse(error: unknown): Response {
  return Response.json(openAiErrorBody(error), { status: toApiError(error).status });
}
