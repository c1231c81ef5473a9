/**
 * Errors in Anthropic's shape: `{"type":"error","error":{"type":"invalid_request_error",...,"message"}}` with
 * Anthropic's status codes. Anything thrown below (Ollama's messages, named errors) is mapped through the same
 * `toApiError` the other routes use; only the envelope, the type and the overloaded status differ.
 * @module
 */
import { toApiError } from "../../errors.ts";

/** Anthropic's status for "overloaded" (our queue is full: Ollama answers 503). */
export const OVERLOADED_STATUS = 529;

/** Anthropic's status and error type for one of our statuses. */
export function anthropicError(status: number): { status: number; type: string } {
  switch (status) {
    case 400:
      return { status, type: "invalid_request_error" };
    case 401:
      return { status, type: "authentication_error" };
    case 403:
      return { status, type: "permission_error" };
    case 404:
      return { status, type: "not_found_error" };
    case 413:
      return { status, type: "request_too_large" };
    case 429:
      return { status, type: "rate_limit_error" };
    case 503:
    case OVERLOADED_STATUS:
      return { status: OVERLOADED_STATUS, type: "overloaded_error" };
    case 504:
      return { status, type: "timeout_error" };
  }
  return status >= 400 && status < 500 ? { status, type: "invalid_request_error" } : { status, type: "api_error" };
}

/** The error body (also the data of a mid-stream `event: error`). */
export function anthropicErrorBody(error: unknown): { type: "error"; error: { type: string; message: string } } {
  const apiError = toApiError(error);
  return { type: "error", error: { type: anthropicError(apiError.status).type, message: apiError.message } };
}

/** An error as Anthropic's clients expect it. */
export function anthropicErrorResponse(error: unknown): Response {
  return Response.json(anthropicErrorBody(error), { status: anthropicError(toApiError(error).status).status });
}
