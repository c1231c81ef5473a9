/**
 * Ollama's message collation: consecutive messages of one role (except `tool`) become one message
 * whose contents are joined with a blank line, and every system message's content is gathered
 * into the `.System` a template sees.
 * @module
 */
import type { Message } from "./types.ts";

/** The collated conversation. */
export interface Collated {
  /** Every system message's content, joined with "\n\n". */
  system: string;
  /** Messages with same-role runs merged (copies; the input is not changed). */
  messages: Message[];
}

/** Merges consecutive same-role messages (tool results stay apart) and gathers the system text. */
export function collate(messages: readonly Message[]): Collated {
  const system: string[] = [];
  const out: Message[] = [];
  for (const message of messages) {
    if (message.role === "system") system.push(message.content);
    const last = out.at(-1);
    if (last !== undefined && last.role === message.role && message.role !== "tool") {
      last.content += "\n\n" + message.content;
      // Ollama keeps only the first message's other fields; images and calls are kept here too.
      if (message.images?.length) last.images = [...(last.images ?? []), ...message.images];
      if (message.tool_calls?.length) last.tool_calls = [...(last.tool_calls ?? []), ...message.tool_calls];
      continue;
    }
    out.push({ ...message });
  }
  return { system: system.join("\n\n"), messages: out };
}
