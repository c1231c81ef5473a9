/**
 * The request shapes the prompt layer reads: Ollama's wire types (snake_case, as `/api/chat`
 * receives them), declared here structurally so this folder does not depend on `server/`.
 * @module
 */

/** A tool call inside an assistant message. `arguments` is a JSON object, key order kept. */
export interface ToolCall {
  id?: string;
  function: { index?: number; name: string; arguments: Record<string, unknown> };
}

/** One chat message, as `/api/chat` takes it. */
export interface Message {
  role: string;
  content: string;
  thinking?: string;
  images?: string[];
  tool_calls?: ToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

/** A JSON-schema property of a tool's parameters (Ollama's `ToolProperty`). */
export interface ToolProperty {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  items?: unknown;
  anyOf?: ToolProperty[];
  properties?: Record<string, ToolProperty>;
  required?: string[];
  [key: string]: unknown;
}

/** A function tool, as `/api/chat` takes it. */
export interface Tool {
  type: string;
  items?: unknown;
  function: {
    name: string;
    description?: string;
    parameters?: {
      type?: string;
      $defs?: unknown;
      items?: unknown;
      required?: string[];
      properties?: Record<string, ToolProperty>;
    };
  };
}

/** `think` as a request gives it: a bool or a level. */
export type Think = boolean | "low" | "medium" | "high" | "max";
