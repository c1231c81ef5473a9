/**
 * Malformed requests for the Anthropic-compatible API (`/v1/messages`, `/v1/messages/count_tokens`): errors must
 * come in Anthropic's shape (`{"type":"error","error":{"type","message"}}`).
 * @module
 */
import type { Case, Outcome } from "./case.ts";
import type { Prng } from "./prng.ts";
import { MODELS } from "./requests_native.ts";
import { BAD_BASE64, deepSchema, type FieldKind, UNKNOWN_NAMES, wrongTypes } from "./values.ts";

const CLEAR: Outcome[] = ["4xx"];
const EITHER: Outcome[] = ["2xx", "4xx"];

const post = (path: string, id: string, body: unknown, allow: Outcome[]): Case => ({
  id: `${path} ${id}`,
  method: "POST",
  path,
  body,
  api: "anthropic",
  allow,
});

export function anthropicCases(rng: Prng): Case[] {
  const path = "/v1/messages";
  const count = "/v1/messages/count_tokens";
  const user = { role: "user", content: "hi" };
  const base = { model: MODELS.text, max_tokens: 4, messages: [user] };
  const fields: Record<string, FieldKind> = {
    model: "string",
    messages: "array",
    max_tokens: "int",
    stream: "bool",
    temperature: "float",
    top_k: "int",
    stop_sequences: "array",
    tools: "array",
  };
  const block = (b: unknown) => ({ ...base, messages: [{ role: "user", content: [b] }] });
  return [
    ...Object.entries(fields).flatMap(([field, kind]) =>
      rng.sample(wrongTypes(kind), 2).map((v) =>
        post(path, `${field}=${JSON.stringify(v)}`, { ...base, [field]: v }, CLEAR)
      )
    ),
    post(path, "max_tokens missing", { model: MODELS.text, messages: [user] }, CLEAR),
    // Huge max_tokens are open-ended generations; only the refused values run here.
    ...[0, -1, 1.5].map((n) => post(path, `max_tokens=${n}`, { ...base, max_tokens: n }, CLEAR)),
    post(path, "messages=[]", { ...base, messages: [] }, CLEAR),
    post(path, "role=bogus", { ...base, messages: [{ role: "bogus", content: "hi" }] }, CLEAR),
    ...[{ type: "bogus" }, { type: "text" }, {
      type: "image",
      source: { type: "url", url: "https://example.com/a.png" },
    }]
      .map((b) => post(path, `content block ${JSON.stringify(b).slice(0, 60)}`, block(b), CLEAR)),
    ...BAD_BASE64.slice(0, 3).map((data) =>
      post(
        path,
        `image data ${JSON.stringify(data)}`,
        block({ type: "image", source: { type: "base64", media_type: "image/png", data } }),
        CLEAR,
      )
    ),
    post(path, "tool_use input=[]", {
      ...base,
      messages: [user, { role: "assistant", content: [{ type: "tool_use", id: "a", name: "f", input: [] }] }],
    }, CLEAR),
    post(path, "tool_choice=bogus", { ...base, tool_choice: { type: "bogus" } }, CLEAR),
    post(path, "thinking budget 1.5", { ...base, thinking: { type: "enabled", budget_tokens: 1.5 } }, CLEAR),
    post(path, "output_config schema 40 deep", {
      ...base,
      output_config: { format: { type: "json_schema", schema: JSON.parse(deepSchema(40)) } },
    }, EITHER),
    post(path, "output_config schema malformed", {
      ...base,
      output_config: { format: { type: "json_schema", schema: { type: 5 } } },
    }, EITHER),
    ...UNKNOWN_NAMES.slice(0, 2).map((n) => post(path, `model=${n}`, { ...base, model: n }, CLEAR)),
    ...Object.entries({ model: "string", messages: "array", system: "string" } as Record<string, FieldKind>).flatMap((
      [field, kind],
    ) =>
      rng.sample(wrongTypes(kind), 1).map((v) =>
        post(count, `${field}=${JSON.stringify(v)}`, { ...base, [field]: v }, CLEAR)
      )
    ),
    post(count, "model unknown", { ...base, model: UNKNOWN_NAMES[0] }, CLEAR),
  ];
}
