/**
 * Bodies that are not the JSON an endpoint wants, sent to every JSON endpoint of both APIs: empty, `null`, the
 * wrong top-level type, truncated at seeded offsets, invalid UTF-8, nested 5,000 to 100,000 levels (whole body,
 * inside an unknown field, inside `options` or a schema), huge strings, trailing garbage, a body past the limit.
 * @module
 */
import type { ApiShape, Case, Outcome } from "./case.ts";
import type { Prng } from "./prng.ts";
import { BASE_OPTIONS, MODELS } from "./requests_native.ts";
import { deepSchema, invalidUtf8Body, nested } from "./values.ts";

/** Each JSON endpoint with a valid body to start from; `nowhere` is a registry host where nothing listens. */
const endpoints = (
  nowhere: string,
): Array<{ path: string; method?: string; api: ApiShape; body: Record<string, unknown>; ok?: Outcome[] }> => [
  {
    path: "/api/generate",
    api: "ollama",
    body: { model: MODELS.text, prompt: "hi", stream: false, options: BASE_OPTIONS },
  },
  {
    path: "/api/chat",
    api: "ollama",
    body: { model: MODELS.text, messages: [{ role: "user", content: "hi" }], stream: false, options: BASE_OPTIONS },
  },
  { path: "/api/embed", api: "ollama", body: { model: MODELS.embed, input: "hi" } },
  { path: "/api/embeddings", api: "ollama", body: { model: MODELS.embed, prompt: "hi" } },
  { path: "/api/create", api: "ollama", body: { model: "campaign-body", from: MODELS.text, stream: false } },
  { path: "/api/show", api: "ollama", body: { model: MODELS.text } },
  { path: "/api/copy", api: "ollama", body: { source: MODELS.text, destination: "campaign-body-copy" } },
  { path: "/api/delete", method: "DELETE", api: "ollama", body: { model: "campaign-nothing" } },
  // A valid pull or push to a registry that is not there ends in Ollama's 500 with a JSON error.
  {
    path: "/api/pull",
    api: "ollama",
    body: { model: `${nowhere}/campaign/x:latest`, insecure: true, stream: false },
    ok: ["4xx", "5xx"],
  },
  {
    path: "/api/push",
    api: "ollama",
    body: { model: `${nowhere}/campaign/x:latest`, insecure: true, stream: false },
    ok: ["4xx", "5xx"],
  },
  {
    path: "/v1/chat/completions",
    api: "openai",
    body: { model: MODELS.text, messages: [{ role: "user", content: "hi" }], max_tokens: 4 },
  },
  { path: "/v1/completions", api: "openai", body: { model: MODELS.text, prompt: "hi", max_tokens: 4 } },
  { path: "/v1/embeddings", api: "openai", body: { model: MODELS.embed, input: "hi" } },
  {
    path: "/v1/messages",
    api: "anthropic",
    body: { model: MODELS.text, max_tokens: 4, messages: [{ role: "user", content: "hi" }] },
  },
];

const CLEAR: Outcome[] = ["4xx"];

export function bodyCases(rng: Prng, nowhere: string): Case[] {
  const ENDPOINTS = endpoints(nowhere);
  const cases: Case[] = [];
  for (const endpoint of ENDPOINTS) {
    const raw = (id: string, body: string | Uint8Array, allow: Outcome[] = CLEAR, extra: Partial<Case> = {}): Case => ({
      id: `${endpoint.path} body ${id}`,
      method: endpoint.method ?? "POST",
      path: endpoint.path,
      body,
      raw: true,
      api: endpoint.api,
      allow,
      ...extra,
    });
    const text = JSON.stringify(endpoint.body);
    const ok = endpoint.ok ?? ["2xx", "4xx"];
    // Truncated at seeded offsets inside the text (never whole, never empty).
    const cuts = [1 + rng.int(text.length - 2), 1 + rng.int(text.length - 2)];
    const inside = (field: string, value: string) => text.slice(0, -1) + `,"${field}":${value}}`;
    cases.push(
      raw("empty", ""),
      raw("[]", "[]"),
      raw("1", "1"),
      raw('"x"', '"x"'),
      ...cuts.map((at) => raw(`truncated at ${at}`, text.slice(0, at))),
      raw("invalid UTF-8 in a string", invalidUtf8Body(text.slice(0, -2), text.slice(-2))),
      raw("whole body nested 5000", nested(5000)),
      // Go's decoder reads up to 10,000 levels, in a field it then ignores too; past that it is a 400.
      raw("unknown field nested 5000 objects", inside("x_unknown", nested(5000, "object")), ok),
      raw("unknown field nested 20000", inside("x_unknown", nested(20_000))),
      raw("unknown field nested 100000 objects", inside("x_unknown", nested(100_000, "object"))),
      raw("trailing garbage", text + "}}}garbage", ok),
    );
    // Nulls decode as absent (Go); whatever follows must still be a clear answer.
    cases.push(raw("null", "null"));
  }
  // Deep values inside the fields that are maps or schemas, and a few things only some endpoints have.
  const gen = ENDPOINTS[0];
  const deepIn = (path: string, api: ApiShape, id: string, body: string): Case => ({
    id: `${path} ${id}`,
    method: "POST",
    path,
    body,
    raw: true,
    api,
    allow: CLEAR,
  });
  const genText = JSON.stringify(gen.body).slice(0, -1);
  const chatText = JSON.stringify(ENDPOINTS[1].body).slice(0, -1);
  const oaText = JSON.stringify(ENDPOINTS[10].body).slice(0, -1);
  cases.push(
    deepIn(
      "/api/generate",
      "ollama",
      "options nested 5000",
      `${genText.replace(/,"options".*$/, "")},"options":{"x":${nested(5000)}}}`,
    ),
    deepIn("/api/generate", "ollama", "format schema 5000 deep", `${genText},"format":${deepSchema(5000)}}`),
    deepIn("/api/generate", "ollama", "context nested 20000", `${genText},"context":${nested(20_000)}}`),
    deepIn(
      "/api/chat",
      "ollama",
      "tool arguments nested 5000",
      `${
        chatText.replace(
          /"messages":\[[^\]]*\]/,
          `"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":${
            nested(5000, "object")
          }}}]}]`,
        )
      }}`,
    ),
    deepIn("/api/chat", "ollama", "format schema 5000 deep", `${chatText},"format":${deepSchema(5000)}}`),
    deepIn(
      "/v1/chat/completions",
      "openai",
      "response_format schema 5000 deep",
      `${oaText},"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${deepSchema(5000)}}}}`,
    ),
    deepIn(
      "/api/create",
      "ollama",
      "parameters nested 5000",
      `{"model":"campaign-body","from":"tiny","stream":false,"parameters":{"stop":${nested(5000)}}}`,
    ),
    {
      id: "/api/generate huge model name (1 MiB)",
      method: "POST",
      path: "/api/generate",
      body: { ...gen.body, model: "m".repeat(1 << 20) },
      api: "ollama",
      allow: CLEAR,
    },
    {
      id: "/api/chat unknown field with a 2 MiB string",
      method: "POST",
      path: "/api/chat",
      body: { ...ENDPOINTS[1].body, x_unknown: "x".repeat(2 << 20) },
      api: "ollama",
      allow: ["2xx", "4xx"],
    },
    {
      id: "/api/chat body over the 64 MiB limit",
      method: "POST",
      path: "/api/chat",
      body: `{"model":"tiny","x_pad":"${"x".repeat(65 * 2 ** 20)}"}`,
      raw: true,
      api: "ollama",
      allow: ["4xx", "drop"],
      timeoutMs: 120_000,
    },
    {
      id: "/api/generate content-type text/plain",
      method: "POST",
      path: "/api/generate",
      body: gen.body,
      headers: { "content-type": "text/plain" },
      api: "ollama",
      allow: ["2xx"],
    },
  );
  return cases;
}
