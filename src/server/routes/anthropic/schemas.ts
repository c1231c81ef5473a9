/**
 * Anthropic's Messages request, as valibot schemas: `POST /v1/messages` and `POST /v1/messages/count_tokens` (the
 * same fields without `max_tokens` and `stream`). Objects are loose, as clients send fields we do not use
 * (`cache_control`, `citations`, `signature`, betas); content blocks are told apart by `type`.
 * @module
 */
import * as v from "valibot";
import { goMap } from "../../schemas.ts";

const TextBlock = v.looseObject({ type: v.literal("text"), text: v.string() });

/** `source` of an image block: base64 data is used; a URL or a file id is refused by the mapping with a clear 400. */
const ImageSource = v.variant("type", [
  v.looseObject({
    type: v.literal("base64"),
    media_type: v.picklist(["image/jpeg", "image/png", "image/gif", "image/webp"]),
    data: v.string(),
  }),
  v.looseObject({ type: v.literal("url"), url: v.string() }),
  v.looseObject({ type: v.literal("file"), file_id: v.string() }),
]);

const ImageBlock = v.looseObject({ type: v.literal("image"), source: ImageSource });

const ToolResultBlock = v.looseObject({
  type: v.literal("tool_result"),
  tool_use_id: v.string(),
  content: v.nullish(v.union([v.string(), v.array(v.variant("type", [TextBlock, ImageBlock]))])),
  is_error: v.nullish(v.boolean()),
});

const ToolUseBlock = v.looseObject({
  type: v.literal("tool_use"),
  id: v.string(),
  name: v.string(),
  // valibot's record alone takes an array too; Anthropic wants an object
  input: goMap(v.unknown(), "object"),
});

/** One block of a message's content. */
export const ContentBlockSchema = v.variant("type", [
  TextBlock,
  ImageBlock,
  ToolUseBlock,
  ToolResultBlock,
  v.looseObject({ type: v.literal("thinking"), thinking: v.string(), signature: v.nullish(v.string()) }),
  // an encrypted thought from Anthropic's own models: nothing a local model can read, dropped
  v.looseObject({ type: v.literal("redacted_thinking"), data: v.nullish(v.string()) }),
]);

const fields = {
  model: v.string(),
  messages: v.pipe(
    v.array(v.looseObject({
      role: v.picklist(["user", "assistant", "system"]),
      content: v.union([v.string(), v.array(ContentBlockSchema)]),
    })),
    v.minLength(1, "at least one message is required"),
  ),
  system: v.nullish(v.union([v.string(), v.array(TextBlock)])),
  tools: v.nullish(v.array(v.looseObject({
    type: v.nullish(v.string()),
    name: v.string(),
    description: v.nullish(v.string()),
    input_schema: v.nullish(v.looseObject({})),
  }))),
  tool_choice: v.nullish(v.variant("type", [
    v.looseObject({ type: v.literal("auto"), disable_parallel_tool_use: v.nullish(v.boolean()) }),
    v.looseObject({ type: v.literal("any"), disable_parallel_tool_use: v.nullish(v.boolean()) }),
    v.looseObject({ type: v.literal("tool"), name: v.string(), disable_parallel_tool_use: v.nullish(v.boolean()) }),
    v.looseObject({ type: v.literal("none") }),
  ])),
  thinking: v.nullish(v.variant("type", [
    v.looseObject({ type: v.literal("enabled"), budget_tokens: v.pipe(v.number(), v.integer()) }),
    v.looseObject({ type: v.literal("adaptive") }),
    v.looseObject({ type: v.literal("disabled") }),
  ])),
};

/** `POST /v1/messages`. */
export const MessagesRequestSchema = v.looseObject({
  ...fields,
  max_tokens: v.pipe(v.number(), v.integer(), v.minValue(1)),
  stream: v.nullish(v.boolean()),
  stop_sequences: v.nullish(v.array(v.string())),
  temperature: v.nullish(v.pipe(v.number(), v.minValue(0))),
  top_p: v.nullish(v.number()),
  top_k: v.nullish(v.pipe(v.number(), v.integer())),
  metadata: v.nullish(v.looseObject({ user_id: v.nullish(v.string()) })),
  /** `format`: structured output by a JSON schema (our grammar); `effort` is accepted and left to the model. */
  output_config: v.nullish(v.looseObject({
    effort: v.nullish(v.string()),
    format: v.nullish(v.variant("type", [v.looseObject({ type: v.literal("json_schema"), schema: v.looseObject({}) })])),
  })),
});

/** `POST /v1/messages/count_tokens`: what shapes the prompt, nothing about sampling. */
export const CountTokensRequestSchema = v.looseObject(fields);

export type MessagesRequest = v.InferOutput<typeof MessagesRequestSchema>;
export type CountTokensRequest = v.InferOutput<typeof CountTokensRequestSchema>;
export type ContentBlock = v.InferOutput<typeof ContentBlockSchema>;
