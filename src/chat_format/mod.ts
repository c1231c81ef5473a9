/**
 * Chat formats of the models people run: which format a model writes (Ollama's parser/renderer
 * names, its Go TEMPLATE, or its GGUF Jinja template recognised as llama.cpp recognises it), how to
 * render its prompt, and streaming parsers that split its output into content, thinking and tool
 * calls (harmony, Hermes/Qwen, Qwen3-Coder XML, Mistral, Llama 3.x JSON, DeepSeek, GLM, Kimi,
 * Command-R, Functionary, Granite, MiniMax, bare JSON...).
 * @module
 */

/** A model's chat format: name, render, parser. */
export { chatFormat, toolSpecs } from "./chat_format.ts";
export type {
  ChatFormat,
  ChatFormatOptions,
  ChatFormatParser,
  ChatFormatParserOptions,
  ChatFormatRenderInput,
  ThinkingTags,
} from "./chat_format.ts";
/** The streaming engine behind every parser (its `pending` text is a partly generated call). */
export { FormatParser } from "./format_parser.ts";
/** Format recognition alone. */
export { isFormatName, recogniseFormat } from "./recognise.ts";
export type { Recognised, RecogniseInput } from "./recognise.ts";
export type { FormatChunk, FormatToolCall, OutputSyntax, PartialCall, ToolSpec, ToolSyntax } from "./types.ts";
/** Forcing grammars (a tool call in the format's syntax, a JSON schema) and the schema converter. */
export {
  GRAMMAR_FAMILIES,
  jsonGrammar,
  type JsonSchema,
  jsonSchemaToGbnf,
  MAX_SCHEMA_DEPTH,
  SchemaConversionError,
  type ToolGrammarOptions,
} from "./grammars/mod.ts";
/** Where a JSON object or array ends in streamed text (a streamed call's whole argument text). */
export { jsonValueEnd } from "./parsers/json.ts";
/** Ollama's named renderers (config `renderer`, Modelfile `RENDERER`). */
export { namedRenderer, RENDERERS, rendererLeadingBos, resolveRendererName } from "./renderers/mod.ts";
export type { Renderer, RenderInput as RendererInput } from "./renderers/mod.ts";
/** The capabilities (`tools`, `thinking`) each of Ollama's named parsers adds to /api/show. */
export { PARSER_CAPABILITIES, parserCapabilities } from "./parser_capabilities.ts";
