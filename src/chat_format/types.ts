/**
 * The shapes a chat format works with: a parsed tool call, what one `add()`/`finish()` yields,
 * and the description of a format's output syntax that the streaming engine runs.
 * @module
 */

/** One tool call recovered from model output; `id` only where the format writes one (Mistral, Kimi). */
export interface FormatToolCall {
  name: string;
  arguments: Record<string, unknown>;
  id?: string;
}

/** What one `add()` or `finish()` newly produced. */
export interface FormatChunk {
  content: string;
  thinking: string;
  toolCalls: FormatToolCall[];
}

/** A request tool as the parsers read it: a name and, for typed values, its parameter schema. */
export interface ToolSpec {
  name: string;
  properties: Record<string, { type?: string | string[] } & Record<string, unknown>>;
}

/**
 * How a tool-call section reads, given the text from its opening marker on: "more" while the text
 * is still a possible call (never when `final`), null when it is no call (the marker goes back to
 * content), else the calls and how many characters they took.
 */
export type SectionResult = { calls: FormatToolCall[]; end: number } | "more" | null;

/** A call still being generated: its name, the JSON text of its arguments so far, and its id where the format writes one. */
export interface PartialCall {
  name: string;
  arguments: string;
  id?: string;
}

/**
 * Where a scan for the end of a JSON value starting at `start` stopped in unfinished text. The parser
 * that streams a section keeps one per section, so the arguments it measures after every token are
 * scanned once, not from their start again each time (which made a long call quadratic).
 */
export interface JsonScan {
  start: number;
  i: number;
  depth: number;
  inString: boolean;
}

/** A family's tool-call syntax. */
export interface ToolSyntax {
  /** Markers that open a section. */
  open: readonly string[];
  /** Only recognised before any content (bare JSON formats): a `{` mid-sentence is text. */
  atStartOnly?: boolean;
  /**
   * `scan`, where given, carries the JSON scan of the same open section from the previous call (its text has
   * only grown since), so a long call is not rescanned from its start on every token.
   */
  parse(text: string, final: boolean, tools: readonly ToolSpec[], scan?: JsonScan): SectionResult;
  /**
   * The call being written in an open section (formats whose arguments are JSON), for streaming them.
   * `scan` carries the argument scan from the previous call over the same section, grown since.
   */
  partial?(text: string, scan?: JsonScan): PartialCall | null;
}

/** A family's whole output syntax. */
export interface OutputSyntax {
  /** Tags around thinking: any opener, any closer. */
  thinking?: { open: readonly string[]; close: readonly string[] };
  /** Thinking is part of the turn's structure (harmony channels): split even when the request does not think. */
  thinkingAlways?: boolean;
  /**
   * False where the template's generation prompt never writes the thinking opener (it is written with every
   * turn, so a prompt ending in it opens nothing; llama.cpp parses after the generation prompt only).
   */
  promptOpensThinking?: boolean;
  /** Control markers dropped from content (`<|START_RESPONSE|>`, harmony's final-channel header...). */
  drop?: readonly string[];
  tools?: ToolSyntax;
}
