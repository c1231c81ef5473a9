/**
 * Reads and validates a request body once, at the edge: size limit (413), UTF-8 (400), Go decoder semantics (first
 * JSON value only, Go's syntax messages), then the valibot schema with Go's type-mismatch message.
 * @module
 */
import * as v from "valibot";
import { ApiError, bodyReadFailed, bodyTooLarge, invalidUtf8, missingBody } from "./errors.ts";
import { scanJsonValue } from "./json_scan.ts";

/** Default largest JSON body: generous for base64 images in chat messages. */
export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;

/** The raw body bytes, refusing more than `limit` without reading it all. */
export async function readBodyBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw bodyTooLarge(limit);
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  while (true) {
    // The client cut the body short (a Content-Length larger than what came, then a half-close) or framed it
    // wrongly: its error, answered in Go's words (`unexpected EOF`), never a 500.
    const { done, value } = await reader.read().catch((error) => {
      throw bodyReadFailed(error);
    });
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The first JSON value of the body, as Go's json.Decoder reads it. */
export async function readJsonValue(request: Request, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const bytes = await readBodyBytes(request, limit);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalidUtf8();
  }
  if (text.trim() === "") throw missingBody();
  const scanned = scanJsonValue(text);
  if ("error" in scanned) throw new ApiError(400, scanned.error);
  return JSON.parse(text.slice(0, scanned.end));
}

/**
 * The deepest a field the server reads may nest. Go's decoder accepts 10,000 levels anywhere, and so does the scan
 * above, but the server walks what it reads recursively (templates print and marshal tools and tool-call arguments,
 * Modelfile parameters are marshalled, schemas become grammars), and a JS stack holds a few thousand such levels at
 * most. Unknown fields, which nothing walks, keep Go's limit.
 */
export const MAX_FIELD_DEPTH = 500;

/** 400 when a field of a decoded request nests deeper than {@linkcode MAX_FIELD_DEPTH} (measured without recursion). */
export function checkNesting(value: unknown): void {
  if (typeof value !== "object" || value === null) return;
  for (const [key, field] of Object.entries(value)) {
    const stack: Array<[unknown, number]> = [[field, 1]];
    while (stack.length > 0) {
      const [item, depth] = stack.pop()!;
      if (typeof item !== "object" || item === null) continue;
      if (depth > MAX_FIELD_DEPTH) throw new ApiError(400, `field "${key}" nests deeper than ${MAX_FIELD_DEPTH} levels`);
      for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
    }
  }
}

/** Go's name for the JSON type of a value, as its decoder names it in errors. */
function jsonType(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "object") return "object";
  return typeof value;
}

/** Validates a decoded value; the first issue becomes Go's `json: cannot unmarshal ...` message. */
export function validate<S extends v.GenericSchema>(schema: S, value: unknown, struct: string): v.InferOutput<S> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    if (value === null) return v.parse(schema, {});
    throw new ApiError(400, `json: cannot unmarshal ${jsonType(value)} into Go value of type api.${struct}`);
  }
  const result = v.safeParse(schema, value);
  if (result.success) {
    checkNesting(result.output);
    return result.output;
  }
  const issue = result.issues[0];
  const path = (issue.path ?? []).map((item) => item.key).filter((key) => typeof key === "string").join(".");
  // A []byte field's bad base64 is the decoder's own error, not a type mismatch.
  if (issue.message.startsWith("illegal base64 data")) return fail(issue.message);
  const goType = /^[a-z*[\]A-Z.0-9 {}]+$/.test(issue.message) ? issue.message : "value";
  return fail(`json: cannot unmarshal ${jsonType(issue.input)} into Go struct field ${struct}.${path} of type ${goType}`);
}

function fail(message: string): never {
  throw new ApiError(400, message);
}

/** Reads, decodes and validates a JSON body in one call. */
export async function readJson<S extends v.GenericSchema>(
  request: Request,
  schema: S,
  struct: string,
  limit?: number,
): Promise<v.InferOutput<S>> {
  return validate(schema, await readJsonValue(request, limit), struct);
}
