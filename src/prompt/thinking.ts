/**
 * Streaming split of model output into thinking and content, for templates whose messages carry
 * `.Thinking` between tags such as `<think>` … `</think>` (tags from `thinkingTags()`).
 * Whitespace right after the opening tag, right before the closing tag and right after it is
 * dropped, as Ollama's thinking parser does.
 * @module
 */
import { partialSuffix } from "./tool_calls.ts";

/** What one `add()` or `finish()` produced. */
export interface ThinkingChunk {
  thinking: string;
  content: string;
}

/** Options of {@linkcode ThinkingParser}. */
export interface ThinkingParserOptions {
  openTag: string;
  closeTag: string;
  /** True when the prompt already ends with the opening tag: output starts inside thinking. */
  startInThinking?: boolean;
}

type State = "opening" | "thinking" | "afterClose" | "content";

/**
 * Splits streamed output into `thinking` and `content`. Feed chunks with `add()`, then call
 * `finish()` once; the concatenated results do not depend on how the text was chunked.
 */
export class ThinkingParser {
  #open: string;
  #close: string;
  #state: State;
  #buf = "";
  // Inside thinking, leading whitespace is dropped until the first other character.
  #thinkingStarted = false;

  constructor(options: ThinkingParserOptions) {
    if (!options.openTag || !options.closeTag) throw new TypeError("ThinkingParser needs an opening and a closing tag");
    this.#open = options.openTag;
    this.#close = options.closeTag;
    this.#state = options.startInThinking ? "thinking" : "opening";
  }

  /** True once the closing tag was seen (or output began without thinking). */
  get done(): boolean {
    return this.#state === "afterClose" || this.#state === "content";
  }

  /** Feeds a chunk of output. */
  add(chunk: string): ThinkingChunk {
    this.#buf += chunk;
    return this.#drain(false);
  }

  /** Ends the stream; held-back text is released. */
  finish(): ThinkingChunk {
    return this.#drain(true);
  }

  #drain(final: boolean): ThinkingChunk {
    const out: ThinkingChunk = { thinking: "", content: "" };
    for (;;) {
      const buf = this.#buf;
      if (buf === "") break;
      if (this.#state === "content") {
        out.content += buf;
        this.#buf = "";
      } else if (this.#state === "afterClose") {
        const i = buf.search(/\S/);
        if (i === -1) {
          this.#buf = "";
          if (final) break;
          continue;
        }
        this.#buf = buf.slice(i);
        this.#state = "content";
      } else if (this.#state === "opening") {
        const i = buf.search(/\S/);
        const rest = i === -1 ? "" : buf.slice(i);
        if (rest.startsWith(this.#open)) {
          this.#buf = rest.slice(this.#open.length);
          this.#state = "thinking";
        } else if (!final && this.#open.startsWith(rest)) {
          break; // only whitespace or a prefix of the tag so far
        } else {
          this.#state = "content";
        }
      } else {
        if (!this.#thinkingStarted) {
          const i = buf.search(/\S/);
          if (i === -1) {
            // Whitespace only: may still turn out to precede the closing tag.
            if (!final) break;
            this.#buf = "";
            break;
          }
          this.#buf = buf.slice(i);
          this.#thinkingStarted = true;
          continue;
        }
        const at = buf.indexOf(this.#close);
        if (at !== -1) {
          out.thinking += buf.slice(0, at).trimEnd();
          this.#buf = buf.slice(at + this.#close.length);
          this.#state = "afterClose";
          continue;
        }
        if (final) {
          out.thinking += buf;
          this.#buf = "";
          break;
        }
        // Hold back a possible start of the closing tag, and trailing whitespace before it.
        let keep = partialSuffix(buf, this.#close);
        const body = buf.slice(0, buf.length - keep);
        const trimmed = body.trimEnd();
        keep += body.length - trimmed.length;
        out.thinking += trimmed;
        this.#buf = buf.slice(buf.length - keep);
        break;
      }
    }
    return out;
  }
}
