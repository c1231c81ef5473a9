/**
 * The streaming engine every format runs: thinking, content and tool-call sections found by their
 * markers in an accumulated buffer. Text is emitted only once it is decided (a tail that could still
 * begin a marker is held back, a section waits until it parses or fails), so what comes out never
 * depends on how the output was chunked.
 * @module
 */
import { readBareJson } from "./parsers/llama3.ts";
import { partialJsonCall } from "./parsers/json.ts";
import type { FormatChunk, JsonScan, OutputSyntax, PartialCall, ToolSpec } from "./types.ts";

/** Options of {@linkcode FormatParser}. */
export interface FormatParserOptions {
  tools?: readonly ToolSpec[];
  /** The rendered prompt: one ending in a thinking opener means output starts inside thinking. */
  prompt?: string;
  /** Also read bare JSON calls at the start of a reply (what a grammar-forced call writes when the format has no tag). */
  bareJson?: boolean;
  /** Leave thinking tags in the content (the request did not ask to think); structural thinking still splits. */
  noThinking?: boolean;
  /** Output starts inside thinking (Ollama's named parsers decide this from `think`); a leading opener is skipped. */
  startInThinking?: boolean;
  /** Trim white space around thinking and at the start of the answer after it, as Ollama's named parsers do. */
  trimThinking?: boolean;
}

type Marker = { text: string; kind: "think" | "drop" | "tool" | "close"; startOnly?: boolean };

/** Streams one message through a format's {@linkcode OutputSyntax}. */
export class FormatParser {
  #syntax: OutputSyntax;
  #tools: readonly ToolSpec[];
  #buf = "";
  #pos = 0;
  #thinking = false;
  #sawContent = false;
  #sawThinking = false;
  #trim: boolean;
  // With trimThinking: leading white space still to skip, and thinking's trailing white space held back.
  #skipLead = false;
  #heldSpace = "";
  #toolsOn: boolean;
  #bareJson: boolean;
  // partialCall()'s argument scan of the text at the buffer's start; new whenever that start moves.
  #scan: JsonScan = newScan();
  // The open section's own scan (where its JSON ends), kept while the same section at #sectionAt stays open.
  #sectionScan: JsonScan = newScan();
  #sectionAt = -1;

  constructor(syntax: OutputSyntax, options: FormatParserOptions = {}) {
    if (options.noThinking && syntax.thinking && !syntax.thinkingAlways) syntax = { ...syntax, thinking: undefined };
    this.#syntax = syntax;
    this.#tools = options.tools ?? [];
    this.#toolsOn = syntax.tools !== undefined && this.#tools.length > 0;
    this.#bareJson = this.#toolsOn && options.bareJson === true && !syntax.tools!.open.includes("{");
    const prompt = (options.prompt ?? "").trimEnd();
    this.#thinking = prompt !== "" && syntax.promptOpensThinking !== false &&
      (syntax.thinking?.open ?? []).some((t) => prompt.endsWith(t.trimEnd()));
    if (options.startInThinking && syntax.thinking) this.#thinking = true;
    this.#trim = options.trimThinking === true;
    this.#skipLead = this.#trim && this.#thinking;
  }

  /** Whether the parser is inside a thinking block now. */
  get inThinking(): boolean {
    return this.#thinking;
  }

  /** The text received but not yet decided (a partial marker or an open tool-call section). */
  get pending(): string {
    return this.#buf.slice(this.#pos);
  }

  /**
   * The call the model is writing now, where the format's arguments are JSON: its name and the argument
   * text so far (for OpenAI's `delta.tool_calls[].function.arguments`). The whole call still comes from
   * `add`/`finish` once its section closes.
   */
  partialCall(): PartialCall | null {
    const tools = this.#syntax.tools;
    if (!this.#toolsOn) return null;
    const pending = this.pending;
    // a bare JSON call (a format without a tag, or one forced by a grammar) reads as `{"name": …, "arguments": …`
    const bare = this.#bareJson || (!tools?.partial && tools?.open.includes("{"));
    if (bare && pending.startsWith("{")) return partialJsonCall(pending, this.#scan);
    if (!tools?.partial) return null;
    return tools.open.some((o) => pending.startsWith(o)) ? tools.partial(pending, this.#scan) : null;
  }

  /** Feeds a piece of output; returns what it decided. */
  add(text: string): FormatChunk {
    this.#buf += text;
    return this.#run(false);
  }

  /** Ends the message: everything held back is decided. */
  finish(): FormatChunk {
    return this.#run(true);
  }

  #markers(): Marker[] {
    const s = this.#syntax;
    const out: Marker[] = [];
    if (this.#thinking) {
      for (const t of s.thinking?.close ?? []) out.push({ text: t, kind: "close" });
      // The model may write the opener the prompt already wrote: skipped before any thinking text.
      if (!this.#sawThinking) for (const t of s.thinking?.open ?? []) out.push({ text: t, kind: "drop", startOnly: true });
      // A tool call ends thinking the model forgot to close (Qwen 3.5 lists <tool_call> as an end tag).
      if (this.#toolsOn) for (const t of s.tools!.open) if (!s.tools!.atStartOnly) out.push({ text: t, kind: "tool" });
      return out;
    }
    for (const t of s.thinking?.open ?? []) out.push({ text: t, kind: "think" });
    // A closing tag before any content ends a thinking block the prompt opened without saying so.
    if (!this.#sawContent) for (const t of s.thinking?.close ?? []) out.push({ text: t, kind: "drop", startOnly: true });
    for (const t of s.drop ?? []) out.push({ text: t, kind: "drop" });
    if (this.#toolsOn && (!s.tools!.atStartOnly || !this.#sawContent)) {
      for (const t of s.tools!.open) out.push({ text: t, kind: "tool", startOnly: s.tools!.atStartOnly });
    }
    if (this.#bareJson && !this.#sawContent) out.push({ text: "{", kind: "tool", startOnly: true });
    return out;
  }

  /** Drops the decided text before `from`; the text at the buffer's start changes unless `from` is 0. */
  #cut(from: number): void {
    if (from > 0) {
      this.#buf = this.#buf.slice(from);
      this.#scan = newScan();
      this.#sectionAt = -1;
    }
    this.#pos = 0;
  }

  #run(final: boolean): FormatChunk {
    const out: FormatChunk = { content: "", thinking: "", toolCalls: [] };
    const emit = (raw: string) => {
      let text = raw;
      if (this.#trim) {
        if (this.#skipLead) text = text.trimStart();
        if (text === "") return;
        this.#skipLead = false;
        // trailing white space waits: dropped where thinking ends or a call starts, kept before more text
        const body = text.trimEnd();
        const tail = text.slice(body.length);
        if (body === "") {
          this.#heldSpace += tail;
          return;
        }
        text = this.#heldSpace + body;
        this.#heldSpace = tail;
      }
      if (text === "") return;
      if (this.#thinking) {
        out.thinking += text;
        if (text.trim() !== "") this.#sawThinking = true;
      } else {
        out.content += text;
        if (text.trim() !== "") this.#sawContent = true;
      }
    };
    for (;;) {
      const markers = this.#markers();
      const found = earliest(this.#buf, this.#pos, markers);
      if (!found) {
        const keep = final ? 0 : heldBack(this.#buf, this.#pos, markers);
        emit(this.#buf.slice(this.#pos, this.#buf.length - keep));
        this.#cut(this.#buf.length - keep);
        // the answer's own trailing white space is kept at its end (thinking's is not)
        if (final && !this.#thinking && this.#heldSpace) out.content += this.#heldSpace;
        if (final) this.#heldSpace = "";
        return out;
      }
      const [at, marker] = found;
      emit(this.#buf.slice(this.#pos, at));
      this.#pos = at;
      if (marker.kind === "think") {
        this.#pos += marker.text.length;
        this.#thinking = true;
        this.#heldSpace = "";
        this.#skipLead = this.#trim;
      } else if (marker.kind === "close") {
        this.#pos += marker.text.length;
        this.#thinking = false;
        this.#heldSpace = "";
        this.#skipLead = this.#trim;
      } else if (marker.kind === "drop") {
        this.#pos += marker.text.length;
      } else {
        const text = this.#buf.slice(at);
        // a section seen before at the same place has only grown: its scan goes on
        if (at !== this.#sectionAt) {
          this.#sectionScan = newScan();
          this.#sectionAt = at;
        }
        const result = this.#bareJson && marker.text === "{"
          ? readBareJson(text, final, this.#tools, 0, this.#sectionScan)
          : this.#syntax.tools!.parse(text, final, this.#tools, this.#sectionScan);
        if (result === "more") {
          // Only the open section is kept: what came before it is decided.
          this.#cut(this.#pos);
          return out;
        }
        if (result === null) {
          emit(marker.text);
          this.#pos += marker.text.length;
        } else {
          this.#thinking = false;
          this.#heldSpace = "";
          out.toolCalls.push(...result.calls);
          this.#pos += result.end;
        }
      }
    }
  }
}

/** A scan that has not started. */
function newScan(): JsonScan {
  return { start: -1, i: 0, depth: 0, inString: false };
}

/** The first marker at or after `from`; the longest one where several start at the same place. */
function earliest(buf: string, from: number, markers: Marker[]): [number, Marker] | null {
  let best: [number, Marker] | null = null;
  for (const m of markers) {
    const at = buf.indexOf(m.text, from);
    if (at < 0) continue;
    // A bare-JSON call counts only where nothing but whitespace comes before it.
    if (m.startOnly && buf.slice(from, at).trim() !== "") continue;
    if (!best || at < best[0] || (at === best[0] && m.text.length > best[1].text.length)) best = [at, m];
  }
  return best;
}

/** How many trailing characters could still be the start of a marker. */
function heldBack(buf: string, from: number, markers: Marker[]): number {
  let keep = 0;
  for (const { text } of markers) {
    for (let n = Math.min(text.length - 1, buf.length - from); n > keep; n--) {
      if (buf.endsWith(text.slice(0, n))) {
        keep = n;
        break;
      }
    }
  }
  return keep;
}
