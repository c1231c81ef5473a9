/**
 * Messages → prompt. Renders a model's Go
 * TEMPLATE as Ollama does (messages, legacy and fill-in-the-middle modes), or the GGUF's Jinja
 * chat template; fits conversations into num_ctx (reporting what was dropped); finds the thinking
 * and tool-call tags a template reveals; names the template of an imported GGUF. Model output is
 * parsed in src/chat_format.
 * @module
 */

/** The prompt for one request, with truncation to the context window. */
export { buildPrompt, DEFAULT_TEMPLATE } from "./build.ts";
export type { BuildPromptOptions, BuiltPrompt } from "./build.ts";
/** A parsed Go chat template (cached per text): render, capabilities, output tags. */
export { ChatTemplate, templateCapabilities } from "./render.ts";
export type { RenderInput, TemplateCapability } from "./render.ts";
/** Rendering a GGUF's Jinja `tokenizer.chat_template`. */
export { renderJinja } from "./jinja.ts";
export type { JinjaMessage, JinjaOptions } from "./jinja.ts";
/** Ollama's `[img-N]` image placeholders. */
export { decodeImages, tagImages } from "./images.ts";
export type { TaggedImages } from "./images.ts";
/** Dropping the oldest messages to fit num_ctx. */
export { truncateMessages } from "./truncate.ts";
export type { TruncateOptions, Truncated } from "./truncate.ts";
/** Ollama's merge of consecutive same-role messages. */
export { collate } from "./collate.ts";
/** Ids for tool calls a format writes without one (the output parsers are in src/chat_format). */
export { makeToolCallId } from "./tool_call_id.ts";
/** Tags a template's parse tree reveals. */
export { thinkingTags, toolCallTags } from "./tags.ts";
export type { ToolCallTags } from "./tags.ts";
/** Named templates and detection for GGUF import. */
export { DETECT_THRESHOLD, detectTemplate } from "./detect.ts";
export type { Detected } from "./detect.ts";
export { namedTemplate, namedTemplates } from "./templates/mod.ts";
export type { NamedTemplate } from "./templates/mod.ts";
/** Go `json.Marshal` of request data, as templates print it. */
export { goJson } from "./go_data.ts";
export { PromptTemplateError } from "./errors.ts";
export type { Message, Think, Tool, ToolCall, ToolProperty } from "./types.ts";
