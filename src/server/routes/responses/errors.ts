/**
 * Errors in OpenAI's shape, `{"error":{"message","type","param","code"}}`, as the Responses API sends them: the
 * same mapping of thrown errors (`toApiError`) as the other OpenAI routes, plus the `param` and `code` OpenAI fills
 * in where the Responses API names them (`previous_response_not_found`, a field that is missing or wrong). A
 * mid-stream error is the `error` event, with the stream's next sequence number.
 * @module
 */
import { ApiError, openAiErrorBody, toApiError } from "../../errors.ts";

/** An ApiError with OpenAI's `param` (the field) and `code`. */
export class ResponsesError extends ApiError {
  readonly param: string | null;
  readonly code: string | null;
  constructor(status: number, message: string, detail: { param?: string | null; code?: string | null } = {}) {
    super(status, message);
    this.name = "ResponsesError";
    this.param = detail.param ?? null;
    this.code = detail.code ?? null;
  }
}

/** `previous_response_id` that is not (or no longer) stored: 404, as OpenAI answers it. */
export const previousResponseNotFound = (id: string): ResponsesError =>
  new ResponsesError(404, `Previous response with id '${id}' not found.`, {
    param: "previous_response_id",
    code: "previous_response_not_found",
  });

/** `GET`/`DELETE /v1/responses/{id}` for an id not stored. */
export const responseNotFound = (id: string): ResponsesError =>
  new ResponsesError(404, `Response with id '${id}' not found.`, { param: "response_id" });

/** A field we refuse, named as OpenAI names it. */
export const invalidParam = (param: string, message: string): ResponsesError =>
  new ResponsesError(400, message, { param, code: "invalid_value" });

/** The error body. */
export function responsesErrorBody(error: unknown): { error: { message: string; type: string; param: string | null; code: string | null } } {
  const body = openAiErrorBody(error).error;
  if (error instanceof ResponsesError) return { error: { ...body, param: error.param, code: error.code } };
  return { error: body };
}

/**
 * The `error` event of a stream that fails after its first byte, numbered after the events sent: the fields OpenAI
 * documents (`code`, `message`, `param`), and the error object too, by which the `openai` client throws an APIError.
 */
export function responsesErrorEvent(error: unknown, sequence: { next: number }) {
  const { error: e } = responsesErrorBody(error);
  return {
    type: "error" as const,
    sequence_number: sequence.next++,
    code: e.code ?? e.type,
    message: e.message,
    param: e.param,
    error: e,
  };
}

/** An error as OpenAI's clients expect it, with its status. */
export function responsesErrorResponse(error: unknown): Response {
  return Response.json(responsesErrorBody(error), { status: toApiError(error).status });
}
