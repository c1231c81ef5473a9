/**
 * Malformed values the request generators draw from: wrong types per field kind, out-of-range numbers, bad names,
 * bad digests, deep nesting, bad templates, bad schemas, bad base64.
 * @module
 */

/** A field's JSON kind in its schema. */
export type FieldKind = "string" | "bool" | "int" | "float" | "object" | "array" | "any";

/** Values of a wrong JSON type for a field of `kind`. */
export function wrongTypes(kind: FieldKind): unknown[] {
  switch (kind) {
    case "string":
      return [1, true, [], { a: 1 }, 1.5];
    case "bool":
      return ["yes", 1, [], {}];
    case "int":
    case "float":
      return ["1", true, [], {}];
    case "object":
      return ["x", [], 1, true];
    case "array":
      return ["x", {}, 1, true, [{ a: [] }]];
    case "any":
      return [];
  }
}

/** Numbers beyond every sane range (and a fraction for int fields), as the issue lists them. */
export const OUT_OF_RANGE: readonly number[] = [0, -1, 1.5, 3, 1000, 2 ** 31, 2 ** 53, 1e308, -1e308, -(2 ** 31) - 1];

/** Names that must never become paths or match a model. */
export const BAD_NAMES: readonly string[] = [
  "../../etc/passwd",
  "../../../../../../tmp/x",
  "a/../../b",
  "/etc/passwd",
  "library/../../../manifests",
  "model:../../tag",
  "x:y:z",
  "C:\\Windows\\x",
  "..",
  ".hidden",
  "a".repeat(400),
  "bad name with spaces",
  "host:99999999/ns/model:tag",
  "name\u0000nul",
  "%2e%2e%2f%2e%2e%2fetc",
  "ns/model:" + "t".repeat(200),
];

/** Valid names of models that are not there. */
export const UNKNOWN_NAMES: readonly string[] = ["nope", "nope:latest", "someone/nope:7b", "Tiny:LATESTX"];

/** Digests in every wrong spelling. */
export const BAD_DIGESTS: readonly string[] = [
  "sha256:xyz",
  "sha256:" + "a".repeat(63),
  "sha256:" + "a".repeat(65),
  "sha256:" + "g".repeat(64),
  "md5:" + "a".repeat(32),
  "sha256" + "a".repeat(64),
  "..%2F..%2Fetc%2Fpasswd",
  "sha256:..%2F..%2F" + "a".repeat(58),
  "%00",
];

/** JSON text nested `depth` levels: arrays, or objects under key `k`. */
export function nested(depth: number, kind: "array" | "object" = "array", inner = "1"): string {
  return kind === "array"
    ? "[".repeat(depth) + inner + "]".repeat(depth)
    : '{"k":'.repeat(depth) + inner + "}".repeat(depth);
}

/** A JSON schema nested `depth` levels deep (arrays of arrays). */
export function deepSchema(depth: number): string {
  return '{"type":"array","items":'.repeat(depth) + '{"type":"string"}' + "}".repeat(depth);
}

/** Go templates that fail to parse: refused at create and at use. */
export const UNPARSABLE_TEMPLATES: readonly string[] = [
  "{{ .Prompt",
  "{{ nosuchfunc .Prompt }}",
  "{{ break }}",
  "{{ continue }}",
  "{{ end }}",
  "{{ if }}{{ end }}",
  "{{ range .Messages }}",
];

/** Go templates that parse but fail when run: create may keep them (Ollama only parses), a request's must be a 400. */
export const FAILING_TEMPLATES: readonly string[] = [
  "{{ index .Messages 99 }}",
  "{{ call .Prompt }}",
  '{{ define "x" }}{{ template "x" . }}{{ end }}{{ template "x" . }}',
  '{{ template "missing" . }}',
  "{{ slice .Prompt 5 1 }}",
  "{{ len 3 }}",
];

/** Every bad template. */
export const BAD_TEMPLATES: readonly string[] = [...UNPARSABLE_TEMPLATES, ...FAILING_TEMPLATES];

/** 5,000 nested ifs: valid Go, deep enough to overflow a recursive evaluator. */
export const NESTED_IFS = "{{ if true }}".repeat(5000) + "{{ .Prompt }}" + "{{ end }}".repeat(5000);

/** `format` values that are not `"json"` or a schema object, and schemas that are malformed. */
export const BAD_FORMATS: readonly unknown[] = [
  "yaml",
  1,
  true,
  ["json"],
  { type: 5 },
  { type: "object", properties: "x" },
  { type: "object", properties: { a: { $ref: "#/nope" } } },
  { $ref: "#/$defs/a", $defs: { a: { $ref: "#/$defs/a" } } },
  { type: "string", pattern: "(" },
  { type: "array", minItems: 1e308 },
  { type: "array", items: { type: "string" }, minItems: 5, maxItems: 2 },
  { type: "string", minLength: 2 ** 53 },
  { enum: [] },
  { anyOf: [] },
  { type: ["string", 1] },
  { type: "object", required: "a" },
];

/** Base64 image payloads that are not base64 (strictly refused) and base64 that is not an image. */
export const BAD_BASE64: readonly string[] = ["!!!!", "abc", "a===", "data:image/png;base64,AAAA", "\u00ff\u00fe", " "];
export const NOT_AN_IMAGE = "aGVsbG8gd29ybGQ="; // "hello world"

/** Bytes that are not UTF-8, inside an otherwise valid JSON body. */
export function invalidUtf8Body(prefix: string, suffix: string): Uint8Array {
  const enc = new TextEncoder();
  const a = enc.encode(prefix);
  const bad = new Uint8Array([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]);
  const b = enc.encode(suffix);
  const out = new Uint8Array(a.length + bad.length + b.length);
  out.set(a);
  out.set(bad, a.length);
  out.set(b, a.length + bad.length);
  return out;
}
