/**
 * Malformed requests for Ollama's own API, endpoint by endpoint: wrong types per field, out-of-range numbers for
 * every option, missing fields, unknown models, path-traversal names, bad digests, bad templates, bad formats,
 * bad base64 images. Bodies that are not JSON at all (truncated, invalid UTF-8, deep) come from requests_body.ts.
 * @module
 */
import { OPTIONS } from "../../src/modelfile/mod.ts";
import type { Case, Outcome } from "./case.ts";
import type { Prng } from "./prng.ts";
import {
  BAD_BASE64,
  BAD_FORMATS,
  BAD_NAMES,
  BAD_TEMPLATES,
  deepSchema,
  FAILING_TEMPLATES,
  type FieldKind,
  NESTED_IFS,
  NOT_AN_IMAGE,
  OUT_OF_RANGE,
  UNKNOWN_NAMES,
  UNPARSABLE_TEMPLATES,
  wrongTypes,
} from "./values.ts";

/** The models the campaign installs before it starts. */
export const MODELS = { text: "tiny", embed: "embed" } as const;

/** Only a clear 4xx passes. */
export const CLEAR: Outcome[] = ["4xx"];
/** Served or refused clearly (a value that may be clamped). */
export const EITHER: Outcome[] = ["2xx", "4xx"];
/** Network failures of pull and push: Ollama answers them 500 with a JSON error. */
export const NETWORK: Outcome[] = ["4xx", "5xx"];

/** Options every generation case starts from: a short answer in a small context, so no case runs long. */
export const BASE_OPTIONS = { num_predict: 4, num_ctx: 256 };

/** A request to Ollama's API, named after its path. */
export const post = (path: string, id: string, body: unknown, allow: Outcome[], extra: Partial<Case> = {}): Case => ({
  id: `${path.replace(/^\/api\//, "")} ${id}`,
  method: path === "/api/delete" ? "DELETE" : "POST",
  path,
  body,
  api: "ollama",
  allow,
  ...extra,
});

/** Wrong-type cases for each field of a base body (a seeded two per field). */
export function fieldTypes(
  rng: Prng,
  path: string,
  base: Record<string, unknown>,
  fields: Record<string, FieldKind>,
): Case[] {
  const cases: Case[] = [];
  for (const [field, kind] of Object.entries(fields)) {
    for (const value of rng.sample(wrongTypes(kind), 2)) {
      cases.push(post(path, `${field}=${JSON.stringify(value)}`, { ...base, [field]: value }, CLEAR));
    }
  }
  return cases;
}

/** Bad and unknown names in `field` of a base body (a seeded four bad ones and one unknown). */
export function names(
  rng: Prng,
  path: string,
  base: Record<string, unknown>,
  field: string,
  unknown: Outcome[],
): Case[] {
  return [
    ...rng.sample(BAD_NAMES, 4).map((name) =>
      post(path, `${field}=${JSON.stringify(name).slice(0, 40)}`, { ...base, [field]: name }, CLEAR)
    ),
    ...rng.sample(UNKNOWN_NAMES, 1).map((name) =>
      post(path, `${field}=${JSON.stringify(name)}`, { ...base, [field]: name }, unknown)
    ),
  ];
}

/** Every option with every out-of-range number and a wrong type; the big generate group. */
function optionCases(rng: Prng, path: string, base: Record<string, unknown>, sample: number): Case[] {
  const cases: Case[] = [];
  for (const [key, spec] of Object.entries(OPTIONS)) {
    const numeric = spec.type === "int" || spec.type === "float";
    const values: unknown[] = numeric ? [...OUT_OF_RANGE] : [1, "x", [1], 1e308];
    const wrong: unknown[] = spec.type === "string[]"
      ? [1, [2], { a: 1 }]
      : spec.type === "bool"
      ? ["x", 2, []]
      : ["x", true, []];
    const want = spec.type === "int" ? sample : Math.min(sample, 4);
    const chosen = want >= values.length ? values : rng.sample(values, want);
    for (const value of [...chosen, rng.pick(wrong)]) {
      // Keys tested for type (not range) must be refused; a number out of range may be clamped or refused.
      const allow = wrong.includes(value) ? CLEAR : EITHER;
      const options = { ...BASE_OPTIONS, [key]: value };
      cases.push(post(path, `options.${key}=${JSON.stringify(value)}`, { ...base, shift: false, options }, allow));
    }
  }
  cases.push(post(path, "options.unknown_key", { ...base, options: { ...BASE_OPTIONS, bogus: 1e308 } }, ["2xx"]));
  return cases;
}

export function generateCases(rng: Prng): Case[] {
  const path = "/api/generate";
  const base = { model: MODELS.text, prompt: "hi", stream: false, options: BASE_OPTIONS };
  const cases = [
    ...fieldTypes(rng, path, base, {
      model: "string",
      prompt: "string",
      suffix: "string",
      system: "string",
      template: "string",
      context: "array",
      raw: "bool",
      images: "array",
      stream: "bool",
      options: "object",
      truncate: "bool",
      shift: "bool",
      logprobs: "bool",
      top_logprobs: "int",
      _debug_render_only: "bool",
    }),
    ...[true, [], {}].map((v) => post(path, `keep_alive=${JSON.stringify(v)}`, { ...base, keep_alive: v }, CLEAR)),
    ...[1, [], {}, "bogus"].map((v) => post(path, `think=${JSON.stringify(v)}`, { ...base, think: v }, CLEAR)),
    ...["bogus", "-1x", "1e308h", "9999999999999h"].map((v) =>
      post(path, `keep_alive=${v}`, { ...base, keep_alive: v }, EITHER)
    ),
    ...[1e308, -1e308, 2 ** 53].map((v) => post(path, `keep_alive=${v}`, { ...base, keep_alive: v }, EITHER)),
    ...[-1, 21, 1e308, -1e308].map((v) => post(path, `top_logprobs=${v}`, { ...base, top_logprobs: v }, CLEAR)),
    ...[[-1], [1e308], [2 ** 53], [1.5], [99_999_999]].map((v) =>
      post(path, `context=${JSON.stringify(v)}`, { ...base, context: v }, CLEAR)
    ),
    post(path, "raw+template", { ...base, raw: true, template: "{{ .Prompt }}" }, CLEAR),
    post(path, "suffix on a model without insert", { ...base, suffix: "x" }, CLEAR),
    post(path, "think on a model without thinking", { ...base, think: true }, CLEAR),
    ...BAD_BASE64.map((v) => post(path, `images=[${JSON.stringify(v)}]`, { ...base, images: [v] }, CLEAR)),
    post(path, "images=[not an image]", { ...base, images: [NOT_AN_IMAGE] }, EITHER),
    ...BAD_TEMPLATES.map((t) =>
      post(path, `template=${JSON.stringify(t).slice(0, 60)}`, { ...base, template: t }, CLEAR)
    ),
    ...[UNPARSABLE_TEMPLATES[0], ...FAILING_TEMPLATES.slice(0, 3)].map((t) =>
      post(path, `_debug_render_only template=${JSON.stringify(t).slice(0, 40)}`, {
        ...base,
        template: t,
        _debug_render_only: true,
      }, CLEAR)
    ),
    post(path, "template=5000 nested ifs", { ...base, template: NESTED_IFS }, EITHER),
    ...BAD_FORMATS.map((f) =>
      post(
        path,
        `format=${JSON.stringify(f).slice(0, 60)}`,
        { ...base, format: f },
        typeof f === "object" && !Array.isArray(f) ? EITHER : CLEAR,
      )
    ),
    post(path, "format=schema 40 deep", { ...base, format: JSON.parse(deepSchema(40)) }, EITHER),
    post(path, "prompt=256 KiB", { ...base, prompt: "word ".repeat(52_000) }, EITHER, { timeoutMs: 120_000 }),
    post(path, "model missing", { prompt: "hi", stream: false }, CLEAR),
    ...names(rng, path, base, "model", CLEAR),
    ...optionCases(rng, path, base, 10),
  ];
  return cases;
}

export function chatCases(rng: Prng): Case[] {
  const path = "/api/chat";
  const user = { role: "user", content: "hi" };
  const base = { model: MODELS.text, messages: [user], stream: false, options: BASE_OPTIONS };
  const message = (m: unknown) => ({ ...base, messages: [m] });
  return [
    ...fieldTypes(rng, path, base, {
      model: "string",
      messages: "array",
      tools: "array",
      stream: "bool",
      options: "object",
      truncate: "bool",
      shift: "bool",
      logprobs: "bool",
      top_logprobs: "int",
    }),
    ...[null, 1, "x", [], {}].map((m) => post(path, `messages=[${JSON.stringify(m)}]`, message(m), CLEAR)),
    ...[1, true, null, {}].map((r) =>
      post(path, `role=${JSON.stringify(r)}`, message({ role: r, content: "hi" }), CLEAR)
    ),
    ...[1, true, ["x"], { a: 1 }].map((c) =>
      post(path, `content=${JSON.stringify(c)}`, message({ role: "user", content: c }), CLEAR)
    ),
    post(path, "role=nonsense", message({ role: "nonsense", content: "hi" }), EITHER),
    ...BAD_BASE64.map((v) => post(path, `images=[${JSON.stringify(v)}]`, message({ ...user, images: [v] }), CLEAR)),
    ...[
      "x",
      [{}],
      [{ function: {} }],
      [{ function: { name: 1 } }],
      [{ function: { name: "f", arguments: "x" } }],
      [{ function: { name: "f", arguments: [] } }],
    ].map((calls) =>
      post(path, `tool_calls=${JSON.stringify(calls)}`, {
        ...base,
        messages: [user, { role: "assistant", content: "", tool_calls: calls }],
      }, CLEAR)
    ),
    ...[[1], [{}], [{ function: { name: 1 } }], [{ type: "function", function: {} }]].map((tools) =>
      post(path, `tools=${JSON.stringify(tools)}`, { ...base, tools }, CLEAR)
    ),
    post(path, "tools on a model without tools", {
      ...base,
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }],
    }, CLEAR),
    ...BAD_FORMATS.slice(0, 8).map((f) =>
      post(
        path,
        `format=${JSON.stringify(f).slice(0, 60)}`,
        { ...base, format: f },
        typeof f === "object" && !Array.isArray(f) ? EITHER : CLEAR,
      )
    ),
    ...["bogus", 5].map((v) => post(path, `think=${JSON.stringify(v)}`, { ...base, think: v }, CLEAR)),
    post(path, "model missing", { messages: [user], stream: false }, CLEAR),
    ...names(rng, path, base, "model", CLEAR),
    // The options that shape a load, once more through chat (a seeded few values each).
    ...optionCases(rng, path, base, 2).filter((c) => /num_(batch|thread|ctx)|top_k/.test(c.id)),
  ];
}

export function embedCases(rng: Prng): Case[] {
  const embed = "/api/embed";
  const base = { model: MODELS.embed, input: "hi" };
  const legacy = "/api/embeddings";
  const legacyBase = { model: MODELS.embed, prompt: "hi" };
  const loadOptions = ["num_batch", "num_ctx", "num_thread"];
  const optionValues = (key: string) => rng.sample(OUT_OF_RANGE, 4).map((v) => ({ key, v }));
  return [
    ...fieldTypes(rng, embed, base, { model: "string", truncate: "bool", dimensions: "int", options: "object" }),
    ...[1, true, {}, [1], [[1, 2]], [null], ["a", 1]].map((input) =>
      post(embed, `input=${JSON.stringify(input)}`, { ...base, input }, CLEAR)
    ),
    ...[[], ""].map((input) => post(embed, `input=${JSON.stringify(input)}`, { ...base, input }, EITHER)),
    ...OUT_OF_RANGE.map((d) => post(embed, `dimensions=${d}`, { ...base, dimensions: d }, EITHER)),
    ...[true, [], "bogus"].map((k) =>
      post(embed, `keep_alive=${JSON.stringify(k)}`, { ...base, keep_alive: k }, CLEAR)
    ),
    ...loadOptions.flatMap(optionValues).map(({ key, v }) =>
      post(embed, `options.${key}=${v}`, { ...base, options: { [key]: v } }, EITHER)
    ),
    post(embed, "a generative model", { ...base, model: MODELS.text }, EITHER),
    post(embed, "model missing", { input: "hi" }, CLEAR),
    ...names(rng, embed, base, "model", CLEAR),
    ...fieldTypes(rng, legacy, legacyBase, { model: "string", prompt: "string", options: "object" }),
    ...loadOptions.flatMap(optionValues).slice(0, 6).map(({ key, v }) =>
      post(legacy, `options.${key}=${v}`, { ...legacyBase, options: { [key]: v } }, EITHER)
    ),
    ...names(rng, legacy, legacyBase, "model", CLEAR),
  ];
}
