/**
 * One streaming parser for a model's output: thinking first (when the request thinks and the
 * template has thinking tags), then tool calls in what remains (when the request has tools).
 * @module
 */
import type { ToolCallTags } from "./tags.ts";
import { ThinkingParser } from "./thinking.ts";
import { type ParsedToolCall, ToolCallParser } from "./tool_calls.ts";
import type { Tool } from "./types.ts";

/** What one `add()` or `finish()` produced. */
export interface OutputChunk {
  content: string;
  thinking: string;
  toolCalls: ParsedToolCall[];
}

/** Options of {@linkcode OutputParser}. */
export interface OutputParserOptions {
  /** Split thinking out with these tags. */
  thinking?: { openTag: string; closeTag: string; startInThinking?: boolean };
  /** Parse tool calls with this prefix (and suffix) for these tools. */
  tools?: { tag: string; closeTag?: string; toolNames: string[]; makeId?: () => string };
}

/** Streams model output into content, thinking and tool calls. */
export class OutputParser {
  #thinking: ThinkingParser | undefined;
  #tools: ToolCallParser | undefined;

  constructor(options: OutputParserOptions) {
    if (options.thinking) this.#thinking = new ThinkingParser(options.thinking);
    if (options.tools) this.#tools = new ToolCallParser(options.tools);
  }

  /** Feeds a chunk of output. */
  add(chunk: string): OutputChunk {
    return this.#pass(this.#thinking ? this.#thinking.add(chunk) : { thinking: "", content: chunk }, false);
  }

  /** Ends the stream, releasing everything held back. */
  finish(): OutputChunk {
    return this.#pass(this.#thinking ? this.#thinking.finish() : { thinking: "", content: "" }, true);
  }

  #pass(step: { thinking: string; content: string }, final: boolean): OutputChunk {
    if (!this.#tools) return { ...step, toolCalls: [] };
    const a = this.#tools.add(step.content);
    if (!final) return { thinking: step.thinking, content: a.content, toolCalls: a.toolCalls };
    const b = this.#tools.finish();
    return { thinking: step.thinking, content: a.content + b.content, toolCalls: [...a.toolCalls, ...b.toolCalls] };
  }
}

/** Options of {@linkcode outputParserFor}. */
export interface OutputParserForOptions {
  /** The request's tools; no tool parsing without them. */
  tools?: readonly Tool[];
  /** Whether the request thinks; no thinking split without it. */
  think?: boolean;
  /** The rendered prompt: ending in the opening tag means output starts inside thinking. */
  prompt?: string;
  makeId?: () => string;
}

/** The output format a template implies: a `ChatTemplate`, or `jinjaOutputTags()` of a Jinja one. */
export interface OutputTags {
  readonly toolCallTags: ToolCallTags;
  readonly thinkingTags: { openTag: string; closeTag: string };
}

/** The output parser a model needs for one request, or null when none is needed. */
export function outputParserFor(template: OutputTags, options: OutputParserForOptions): OutputParser | null {
  const parserOptions: OutputParserOptions = {};
  const { openTag, closeTag } = template.thinkingTags;
  if (options.think && openTag !== "" && closeTag !== "") {
    const startInThinking = (options.prompt ?? "").trimEnd().endsWith(openTag);
    parserOptions.thinking = { openTag, closeTag, startInThinking };
  }
  if (options.tools?.length) {
    parserOptions.tools = { ...template.toolCallTags, toolNames: options.tools.map((t) => t.function.name) };
    if (options.makeId) parserOptions.tools.makeId = options.makeId;
  }
  if (!parserOptions.thinking && !parserOptions.tools) return null;
  return new OutputParser(parserOptions);
}

// Markers of common Jinja chat templates, most specific first: [opening, closing].
const JINJA_TOOL_TAGS: [string, string][] = [
  ["<tool_call>", "</tool_call>"],
  ["<|tool_call_start|>", "<|tool_call_end|>"],
  ["<|python_tag|>", ""],
  ["[TOOL_CALLS]", ""],
  ["<function_calls>", "</function_calls>"],
];
const JINJA_THINK_TAGS: [string, string][] = [["<think>", "</think>"], ["<thinking>", "</thinking>"]];

/**
 * Output tags for a model rendered with its Jinja chat template (no Go template to read them
 * from): known tool-call and thinking markers found in the template text, else bare JSON calls.
 */
export function jinjaOutputTags(chatTemplate: string): OutputTags {
  const tool = JINJA_TOOL_TAGS.find(([open]) => chatTemplate.includes(open));
  const think = JINJA_THINK_TAGS.find(([open, close]) => chatTemplate.includes(open) && chatTemplate.includes(close));
  return {
    toolCallTags: tool ? { tag: tool[0], closeTag: tool[1] } : { tag: "{", closeTag: "" },
    thinkingTags: think ? { openTag: think[0], closeTag: think[1] } : { openTag: "", closeTag: "" },
  };
}
