/**
 * `GET /v1/models` and `GET /v1/models/{id}` in Anthropic's shape, for a request that comes from an Anthropic
 * client (it sends `anthropic-version`, and `x-api-key` for its key); OpenAI clients keep OpenAI's shape from the
 * same paths. Anthropic lists newest first, `limit` at a time (default 20, 1..1000), paged by `after_id` /
 * `before_id`, with `has_more`, `first_id` and `last_id`.
 * @module
 */
import { ApiError } from "../../errors.ts";

/** A stored model as the list routes have it. */
export interface ListedModel {
  name: string;
  modified_at: string;
}

/** Whether a request comes from an Anthropic client. */
export function isAnthropicClient(request: Request): boolean {
  return request.headers.has("anthropic-version") || request.headers.has("x-api-key");
}

/** Anthropic's model object. */
export function anthropicModel(model: ListedModel, id = model.name) {
  return {
    type: "model" as const,
    id,
    display_name: model.name,
    created_at: new Date(Date.parse(model.modified_at) || 0).toISOString(),
  };
}

function limitOf(raw: string | undefined): number {
  if (raw === undefined) return 20;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new ApiError(400, "limit: Input should be an integer between 1 and 1000");
  }
  return limit;
}

/** One page of Anthropic's model list. */
export function anthropicModelList(models: ListedModel[], query: { limit?: string; after_id?: string; before_id?: string }) {
  const limit = limitOf(query.limit);
  const all = [...models].sort((a, b) => Date.parse(b.modified_at) - Date.parse(a.modified_at) || a.name.localeCompare(b.name));
  let start = 0;
  let end = all.length;
  if (query.after_id !== undefined) {
    start = all.findIndex((m) => m.name === query.after_id) + 1;
    if (start === 0) throw new ApiError(404, `model "${query.after_id}" not found`);
  } else if (query.before_id !== undefined) {
    end = all.findIndex((m) => m.name === query.before_id);
    if (end < 0) throw new ApiError(404, `model "${query.before_id}" not found`);
  }
  // before_id pages back: the `limit` models just before it
  const page = query.before_id !== undefined && query.after_id === undefined
    ? all.slice(Math.max(0, end - limit), end)
    : all.slice(start, Math.min(end, start + limit));
  const hasMore = query.before_id !== undefined && query.after_id === undefined ? end - page.length > 0 : start + page.length < end;
  const data = page.map((m) => anthropicModel(m));
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
