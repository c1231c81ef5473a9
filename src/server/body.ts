/**
 * Reads and validates a request body once, at the edge: size limit (413), UTF-8 (400), Go decoder semantics (first
 * JSON value only, Go's syntax messages), then the valibot schema with Go's type-mismatch message.
 * @module
 */
import * as v from "valibot";
import { ApiError, bodyTooLarge, invalidUtf8, missingBody } from "./errors.ts";
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
    const { done, value } = await reader.read();
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
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = (issue.path ?? []).map((item) => item.key).filter((key) => typeof key === "string").join(".");
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
