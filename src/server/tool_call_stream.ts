/**
 * Tool-call arguments streamed as the model writes them: the format parser's `partialCall()` after each piece of
 * output becomes `ToolCallDelta`s, and each whole call the parser later yields takes the id and index its deltas
 * had, with a last delta carrying the rest of its argument text, so the deltas concatenate to exactly the
 * arguments text the model wrote (which parses to the call's arguments).
 * @module
 */
import { type FormatToolCall, jsonValueEnd, type PartialCall } from "../chat_format/mod.ts";
import { makeToolCallId } from "../prompt/mod.ts";
import type { ToolCallDelta } from "./deps.ts";
import type { ToolCall } from "./schemas.ts";

interface Streaming {
  index: number;
  id: string;
  name: string;
  sent: string;
}

/** Follows one reply's calls: deltas while they are written, then the whole calls with the same ids. */
export class ToolCallStream {
  #names: Set<string>;
  #next = 0;
  #raw = "";
  // calls whose deltas began and that the parser has not yielded whole yet, oldest first
  #open: Streaming[] = [];

  constructor(toolNames: readonly string[]) {
    this.#names = new Set(toolNames);
  }

  /** The model's output so far, for the argument text of a call finished within one piece. */
  seen(text: string): void {
    this.#raw += text;
  }

  /** The whole calls the parser yielded, in Ollama's shape; `deltas` gets the rest of each streamed call's text. */
  whole(calls: FormatToolCall[], deltas: ToolCallDelta[]): ToolCall[] {
    return calls.map((c) => {
      const index = this.#next++;
      const s = this.#open.shift();
      if (!s) return { id: c.id ?? makeToolCallId(), function: { index, name: c.name, arguments: c.arguments } };
      const rest = this.#rest(s.sent, c.arguments);
      if (rest) deltas.push({ index: s.index, id: s.id, name: s.name, arguments: rest });
      return { id: s.id, function: { index: s.index, name: c.name, arguments: c.arguments } };
    });
  }

  /** The deltas for the call being written now (`partial` from the parser after the latest piece). */
  partial(partial: PartialCall | null, deltas: ToolCallDelta[]): void {
    if (!partial || !this.#names.has(partial.name)) return;
    let s = this.#open.at(-1);
    const other = partial.id !== undefined && s?.id !== partial.id;
    if (!s || other || s.name !== partial.name || !partial.arguments.startsWith(s.sent)) {
      // a new call: announced with its id (the format's where it writes one) and name before any argument text
      s = { index: this.#next + this.#open.length, id: partial.id ?? makeToolCallId(), name: partial.name, sent: "" };
      this.#open.push(s);
      deltas.push({ index: s.index, id: s.id, name: s.name, arguments: "" });
    }
    const piece = partial.arguments.slice(s.sent.length);
    if (piece === "") return;
    s.sent = partial.arguments;
    deltas.push({ index: s.index, id: s.id, name: s.name, arguments: piece });
  }

  /** What follows `sent` in the call's argument text as written (else in its JSON), so the deltas parse to `args`. */
  #rest(sent: string, args: Record<string, unknown>): string {
    const json = JSON.stringify(args);
    if (sent === "") return json;
    const at = this.#raw.lastIndexOf(sent);
    const end = at < 0 ? -1 : jsonValueEnd(this.#raw, at);
    if (end > 0) {
      const text = this.#raw.slice(at, end);
      if (sameJson(text, json)) return text.slice(sent.length);
    }
    return json.startsWith(sent) ? json.slice(sent.length) : "";
  }
}

function sameJson(text: string, json: string): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === json;
  } catch {
    return false;
  }
}
