/**
 * What one of Ollama's named renderers takes: messages, tools and `think` in Ollama's wire shape.
 * @module
 */
import type { Message, Think, Tool } from "../../prompt/mod.ts";

export type { Message, Think, Tool };

/** A renderer's input. */
export interface RenderInput {
  messages: readonly Message[];
  tools?: readonly Tool[];
  think?: Think;
  /** The clock for renderers that write today's date (glimmer); default: now. */
  now?: Date;
}

/** A named renderer: the prompt for a conversation, as Ollama's Go code writes it. */
export type Renderer = (input: RenderInput) => string;
