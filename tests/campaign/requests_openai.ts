/**
 * Malformed requests for the OpenAI-compatible API: /v1/chat/completions, /v1/completions, /v1/embeddings and
 * /v1/models. Errors must come in OpenAI's shape (`{"error":{"message","type",…}}`).
 * @module
 */
import type { Case, Outcome } from "./case.ts";
import type { Prng } from "./prng.ts";
import { MODELS } from "./requests_native.ts";
import {
  BAD_BASE64,
  BAD_FORMATS,
  BAD_NAMES,
  type FieldKind,
  OUT_OF_RANGE,
  UNKNOWN_NAMES,
  wrongTypes,
} from "./values.ts";

const CLEAR: Outcome[] = ["4xx"];
const EITHER: Outcome[] = ["2xx", "4xx"];
/**
 * max_tokens that do not mean "no limit": 0 and negatives are open-ended generations (ten contexts, or no bound at
 * all for 0, as in Ollama), which the generate cases bound with `shift: false` instead.
 */
const FINITE_MAX_TOKENS = [1.5, 3, 2.5];

const post = (path: string, id: string, body: unknown, allow: Outcome[]): Case => ({
  id: `${path} ${id}`,
  method: "POST",
  path,
  body,
  api: "openai",
  allow,
});

function fieldTypes(rng: Prng, path: string, base: Record<string, unknown>, fields: Record<string, FieldKind>): Case[] {
  return Object.entries(fields).flatMap(([field, kind]) =>
    rng.sample(wrongTypes(kind), 2).map((value) =>
      post(path, `${field}=${JSON.stringify(value)}`, { ...base, [field]: value }, CLEAR)
    )
  );
}

export function openAiCases(rng: Prng): Case[] {
  const chat = "/v1/chat/completions";
  const completions = "/v1/completions";
  const embeddings = "/v1/embeddings";
  const user = { role: "user", content: "hi" };
  const chatBase = { model: MODELS.text, messages: [user], max_tokens: 4 };
  const completionBase = { model: MODELS.text, prompt: "hi", max_tokens: 4 };
  const embedBase = { model: MODELS.embed, input: "hi" };
  const sampling = ["temperature", "top_p", "frequency_penalty", "presence_penalty", "seed"];
  const part = (p: unknown) => ({ ...chatBase, messages: [{ role: "user", content: [p] }] });
  const get = (path: string, id: string, allow: Outcome[], method = "GET"): Case => ({
    id: `${path} ${id}`,
    method,
    path,
    api: "openai",
    allow,
  });
  return [
    ...fieldTypes(rng, chat, chatBase, {
      model: "string",
      messages: "array",
      stream: "bool",
      max_tokens: "int",
      temperature: "float",
      top_p: "float",
      seed: "int",
      tools: "array",
      logprobs: "bool",
      top_logprobs: "int",
    }),
    post(chat, "messages=[]", { ...chatBase, messages: [] }, CLEAR),
    ...[null, 1, "x", {}, { role: 1 }, { role: "user", content: 1 }].map((m) =>
      post(chat, `messages=[${JSON.stringify(m)}]`, { ...chatBase, messages: [m] }, CLEAR)
    ),
    ...[{ type: "bogus" }, { type: "text", text: 1 }, { type: "image_url" }, {
      type: "image_url",
      image_url: { url: "https://example.com/a.png" },
    }]
      .map((p) => post(chat, `content part ${JSON.stringify(p).slice(0, 60)}`, part(p), CLEAR)),
    ...BAD_BASE64.map((b) =>
      post(
        chat,
        `image_url data ${JSON.stringify(b)}`,
        part({ type: "image_url", image_url: { url: `data:image/png;base64,${b}` } }),
        CLEAR,
      )
    ),
    ...FINITE_MAX_TOKENS.map((n) => post(chat, `max_tokens=${n}`, { ...chatBase, max_tokens: n }, EITHER)),
    ...sampling.flatMap((key) =>
      rng.sample(OUT_OF_RANGE, 3).map((v) => post(chat, `${key}=${v}`, { ...chatBase, [key]: v }, EITHER))
    ),
    ...[1, [1], { a: 1 }].map((stop) => post(chat, `stop=${JSON.stringify(stop)}`, { ...chatBase, stop }, CLEAR)),
    ...["x", { type: "bogus" }, { type: "json_schema", json_schema: "x" }].map((f) =>
      post(chat, `response_format=${JSON.stringify(f)}`, { ...chatBase, response_format: f }, CLEAR)
    ),
    // Ollama reads json_schema.schema only when it is there: without it the answer is unconstrained.
    post(
      chat,
      'response_format={"type":"json_schema"}',
      { ...chatBase, response_format: { type: "json_schema" } },
      EITHER,
    ),
    ...BAD_FORMATS.filter((f) => typeof f === "object" && !Array.isArray(f)).slice(0, 6).map((schema) =>
      post(chat, `response_format schema ${JSON.stringify(schema).slice(0, 50)}`, {
        ...chatBase,
        response_format: { type: "json_schema", json_schema: { name: "x", schema } },
      }, EITHER)
    ),
    ...[[{}], [{ type: "function", function: {} }]].map((tools) =>
      post(chat, `tools=${JSON.stringify(tools)}`, { ...chatBase, tools }, CLEAR)
    ),
    post(chat, "tool_choice=bogus", { ...chatBase, tool_choice: "bogus" }, CLEAR),
    ...["bogus", 1].map((e) =>
      post(chat, `reasoning_effort=${JSON.stringify(e)}`, { ...chatBase, reasoning_effort: e }, CLEAR)
    ),
    ...[-1, 99].map((n) => post(chat, `top_logprobs=${n}`, { ...chatBase, logprobs: true, top_logprobs: n }, CLEAR)),
    post(chat, "stream_options=x", { ...chatBase, stream: true, stream_options: "x" }, CLEAR),
    post(chat, "tool call arguments not JSON", {
      ...chatBase,
      messages: [user, {
        role: "assistant",
        tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "{" } }],
      }],
    }, CLEAR),
    ...[...rng.sample(BAD_NAMES, 4), ...UNKNOWN_NAMES.slice(0, 1)].map((n) =>
      post(chat, `model=${JSON.stringify(n).slice(0, 40)}`, { ...chatBase, model: n }, CLEAR)
    ),
    ...fieldTypes(rng, completions, completionBase, {
      model: "string",
      suffix: "string",
      stream: "bool",
      max_tokens: "int",
      logprobs: "int",
    }),
    ...[1, ["a"], [1, 2], {}, true].map((prompt) =>
      post(completions, `prompt=${JSON.stringify(prompt)}`, { ...completionBase, prompt }, CLEAR)
    ),
    ...FINITE_MAX_TOKENS.map((n) => post(completions, `max_tokens=${n}`, { ...completionBase, max_tokens: n }, EITHER)),
    ...[-1, 99, 1e308].map((n) => post(completions, `logprobs=${n}`, { ...completionBase, logprobs: n }, EITHER)),
    post(completions, "suffix on a model without insert", { ...completionBase, suffix: "x" }, CLEAR),
    ...UNKNOWN_NAMES.slice(0, 2).map((n) => post(completions, `model=${n}`, { ...completionBase, model: n }, CLEAR)),
    ...fieldTypes(rng, embeddings, embedBase, { model: "string", dimensions: "int", encoding_format: "string" }),
    ...[[], [[1, 2]], [1], 1, {}, null, ["a", 1]].map((input) =>
      post(embeddings, `input=${JSON.stringify(input)}`, { ...embedBase, input }, CLEAR)
    ),
    post(embeddings, "encoding_format=bogus", { ...embedBase, encoding_format: "bogus" }, CLEAR),
    ...OUT_OF_RANGE.slice(0, 6).map((d) =>
      post(embeddings, `dimensions=${d}`, { ...embedBase, dimensions: d }, EITHER)
    ),
    ...UNKNOWN_NAMES.slice(0, 2).map((n) => post(embeddings, `model=${n}`, { ...embedBase, model: n }, CLEAR)),
    get("/v1/models", "list", ["2xx"]),
    get("/v1/models", "POST", CLEAR, "POST"),
    get(`/v1/models/${MODELS.text}`, "one", ["2xx"]),
    ...[...rng.sample(BAD_NAMES, 4), ...UNKNOWN_NAMES.slice(0, 2)].map((n) =>
      get(`/v1/models/${encodeURIComponent(n)}`, `model ${JSON.stringify(n).slice(0, 40)}`, CLEAR)
    ),
    get("/v1/models/%ff%fe", "invalid UTF-8 in the path", CLEAR),
    get("/v1/nope", "unknown path", CLEAR),
  ];
}
