/**
 * OpenAI's Responses request (`POST /v1/responses`) as valibot schemas. Objects are loose, as clients send fields we
 * accept and do not use (`metadata`, `include`, `service_tier`, `prompt_cache_key`, `safety_identifier`, ids and
 * statuses on replayed items); input items are told apart by `type` in the mapping, which names what it refuses.
 * @module
 */
import * as v from "valibot";

const nullishString = v.nullish(v.string());

/** One part of a message's content: `input_text`, `output_text`, `input_image`, `refusal`, …. */
const ContentPart = v.looseObject({
  type: v.string(),
  text: nullishString,
  refusal: nullishString,
  image_url: nullishString,
  file_id: nullishString,
});

/** One input item; `type` may be left out of a message (`{role, content}`, the SDK's EasyInputMessage). */
export const InputItemSchema = v.looseObject({
  type: nullishString,
  role: nullishString,
  content: v.nullish(v.union([v.string(), v.array(ContentPart)])),
  // function_call
  call_id: nullishString,
  name: nullishString,
  arguments: nullishString,
  // function_call_output
  output: v.nullish(v.union([v.string(), v.array(ContentPart)])),
  // reasoning
  summary: v.nullish(v.array(v.looseObject({ type: v.string(), text: v.string() }))),
});

const FunctionTool = v.looseObject({
  type: v.string(),
  name: nullishString,
  description: nullishString,
  parameters: v.nullish(v.looseObject({})),
  strict: v.nullish(v.boolean()),
});

/** `POST /v1/responses`. */
export const ResponsesRequestSchema = v.looseObject({
  model: v.pipe(v.string(), v.minLength(1, "Missing required parameter: 'model'.")),
  input: v.nullish(v.union([v.string(), v.array(InputItemSchema)])),
  instructions: nullishString,
  previous_response_id: nullishString,
  store: v.nullish(v.boolean()),
  stream: v.nullish(v.boolean()),
  background: v.nullish(v.boolean()),
  tools: v.nullish(v.array(FunctionTool)),
  tool_choice: v.nullish(v.union([
    v.picklist(["none", "auto", "required"]),
    v.looseObject({ type: v.string(), name: nullishString, mode: nullishString, tools: v.nullish(v.array(FunctionTool)) }),
  ])),
  parallel_tool_calls: v.nullish(v.boolean()),
  reasoning: v.nullish(v.looseObject({ effort: nullishString, summary: nullishString })),
  max_output_tokens: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(1))),
  temperature: v.nullish(v.pipe(v.number(), v.minValue(0), v.maxValue(2))),
  top_p: v.nullish(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  top_logprobs: v.nullish(v.pipe(v.number(), v.integer())),
  text: v.nullish(v.looseObject({
    format: v.nullish(v.looseObject({
      type: v.string(),
      name: nullishString,
      schema: v.nullish(v.looseObject({})),
      strict: v.nullish(v.boolean()),
    })),
    verbosity: nullishString,
  })),
  truncation: v.nullish(v.picklist(["auto", "disabled"])),
  metadata: v.nullish(v.record(v.string(), v.string())),
  user: nullishString,
});

export type ResponsesRequest = v.InferOutput<typeof ResponsesRequestSchema>;
export type InputItem = v.InferOutput<typeof InputItemSchema>;
export type FunctionToolParam = v.InferOutput<typeof FunctionTool>;
