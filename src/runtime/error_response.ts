/**
 * The answer of the runtime's own error hook (Deno's `onError`, Bun's `error`), reached only when a handler fails
 * outside the app's error handler. A request body the client cut short or framed wrongly is the client's error:
 * 400 with Go's words (`unexpected EOF`, `malformed chunked encoding`), never a 500.
 * @module
 */

const BODY_READ_ERROR = /^Cannot read (request )?body as underlying resource unavailable|^invalid HTTP\/1 request|^unexpected EOF$/;

/** A JSON error response for `error`: 400 for a body the client broke, 500 (logged) otherwise. */
export function fallbackErrorResponse(error: unknown): Response {
  const message = error instanceof Error ? error.message : String(error);
  if (BODY_READ_ERROR.test(message)) {
    const error = message.startsWith("invalid HTTP/1") ? "malformed chunked encoding" : "unexpected EOF";
    return Response.json({ error }, { status: 400 });
  }
  console.error("server error:", error);
  return Response.json({ error: message }, { status: 500 });
}
