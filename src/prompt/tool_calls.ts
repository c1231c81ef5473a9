/**
 * Streaming tool-call parser for model output (the generic one Ollama uses when a model has no
 * built-in parser). Output text is scanned for the template's tool-call prefix (`<tool_call>`,
 * `[TOOL_CALLS]`, or `{` for models that answer with bare JSON); after it come balanced JSON objects
 * that name a tool. Unlike Ollama, text that turns out not to be a valid call is given back as
 * content, never dropped (ollama/ollama#17274).
 * @module
 */
import { randomBytes } from "node:crypto";

/** A tool call parsed from output, in Ollama's wire shape. */
export interface ParsedToolCall {
  id: string;
  function: { index: number; name: string; arguments: Record<string, unknown> };
}

/** What one `add()` or `finish()` produced. */
export interface ToolCallChunk {
  content: string;
  toolCalls: ParsedToolCall[];
}

/** Options of {@linkcode ToolCallParser}. */
export interface ToolCallParserOptions {
  /** Text that opens a tool call (from `toolCallTags()`); `{` or `[` for bare JSON. Default `{`. */
  tag?: string;
  /** Text that closes a call (`</tool_call>`), dropped between and after calls. */
  closeTag?: string;
  /** Names of the request's tools; a call must name one. Empty: any name is accepted. */
  toolNames?: string[];
  /** Makes call ids; default `call_` + 8 random `[a-z0-9]`. */
  makeId?: () => string;
}

/** `call_` + 8 random lower-case letters and digits, as Ollama makes them. */
export function makeToolCallId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let id = "call_";
  for (const byte of randomBytes(8)) id += alphabet[byte % alphabet.length];
  return id;
}

// How far past a tool name (`get_weather[ARGS]{`) the arguments object may start.
const NAME_GAP = 24;
const ARG_KEYS = ["arguments", "parameters", "args", "input"];
const NAME_KEYS = ["name", "tool_name"];

type Step =
  | { kind: "wait" }
  | { kind: "drop"; end: number }
  | { kind: "text"; end: number }
  | { kind: "calls"; end: number; calls: { name: string; arguments: Record<string, unknown> }[] };

/**
 * Splits streamed output into content and tool calls. Feed chunks with `add()`, then call `finish()`
 * once; the concatenated results do not depend on how the text was chunked.
 */
export class ToolCallParser {
  #tag: string;
  #json: boolean;
  #closing: string[];
  #opening: string[];
  #names: string[];
  #makeId: () => string;
  #state: "seek" | "calls" | "plain" = "seek";
  #buf = "";
  #index = 0;
  #callsInRun = 0;
  // Where the scan of an unfinished object stopped, so long arguments are not rescanned per chunk.
  #scan: ObjectScan | null = null;

  constructor(options: ToolCallParserOptions = {}) {
    this.#tag = options.tag?.trim() || "{";
    this.#json = this.#tag === "{" || this.#tag === "[";
    this.#names = [...new Set(options.toolNames ?? [])].filter((n) => n !== "").sort((a, b) => b.length - a.length);
    this.#makeId = options.makeId ?? makeToolCallId;
    this.#closing = byLength([options.closeTag?.trim() ?? "", "]", ",", "```"]);
    this.#opening = byLength([this.#json ? "" : this.#tag, "[", "```json", "```"]);
  }

  /** Feeds a chunk of output; returns what can be decided so far. */
  add(chunk: string): ToolCallChunk {
    this.#buf += chunk;
    return this.#drain(false);
  }

  /** Ends the stream: whatever is held back is decided (unfinished calls become content). */
  finish(): ToolCallChunk {
    return this.#drain(true);
  }

  #drain(final: boolean): ToolCallChunk {
    const out: ToolCallChunk = { content: "", toolCalls: [] };
    while (this.#buf !== "") {
      if (this.#state === "plain") {
        out.content += this.#buf;
        this.#buf = "";
      } else if (this.#state === "seek") {
        if (!this.#seek(out, final)) break;
      } else {
        const step = this.#step(final);
        if (step.kind === "wait") break;
        if (step.kind === "text") {
          out.content += this.#buf.slice(0, step.end);
          this.#state = this.#json ? "plain" : "seek";
          this.#callsInRun = 0;
        } else if (step.kind === "calls") {
          for (const call of step.calls) {
            out.toolCalls.push({ id: this.#makeId(), function: { index: this.#index++, ...call } });
          }
          this.#callsInRun += step.calls.length;
        }
        this.#buf = this.#buf.slice(step.end);
        if (step.end > 0) this.#scan = null;
      }
    }
    return out;
  }

  /** Looks for the start of a call; returns false when it must wait for more text. */
  #seek(out: ToolCallChunk, final: boolean): boolean {
    const buf = this.#buf;
    if (this.#json) {
      // Bare-JSON models: only output that starts with JSON can be a call.
      const i = buf.search(/\S/);
      if (i === -1) {
        if (!final) return false;
        out.content += buf;
        this.#buf = "";
        return true;
      }
      const rest = buf.slice(i);
      if (rest[0] === "{" || rest[0] === "[" || rest.startsWith("```")) {
        this.#state = "calls";
      } else if (!final && "```".startsWith(rest)) {
        return false;
      } else {
        this.#state = "plain";
      }
      return true;
    }
    const at = buf.indexOf(this.#tag);
    if (at !== -1) {
      out.content += buf.slice(0, at);
      this.#buf = buf.slice(at);
      this.#scan = null;
      this.#state = "calls";
      return true;
    }
    const keep = final ? 0 : partialSuffix(buf, this.#tag);
    out.content += buf.slice(0, buf.length - keep);
    this.#buf = buf.slice(buf.length - keep);
    this.#scan = null;
    return false;
  }

  /** One decision at the head of the buffer while calls may follow. */
  #step(final: boolean): Step {
    const buf = this.#buf;
    let i = skipSpace(buf, 0);
    if (this.#callsInRun > 0) {
      // Between and after calls: whitespace, closing tags and separators are structure.
      for (let tok = matchToken(buf, i, this.#closing); tok !== ""; tok = matchToken(buf, i, this.#closing)) {
        i = skipSpace(buf, i + tok.length);
      }
      if (!final && isPrefixOfAny(buf.slice(i), this.#closing)) return { kind: "wait" };
      if (i > 0) return { kind: "drop", end: i };
    }
    for (let tok = matchToken(buf, i, this.#opening); tok !== ""; tok = matchToken(buf, i, this.#opening)) {
      if (!final && isPrefixOfAny(buf.slice(i), this.#opening)) return { kind: "wait" };
      i = skipSpace(buf, i + tok.length);
    }
    const rest = buf.slice(i);
    if (rest === "") {
      if (!final) return { kind: "wait" };
      return this.#callsInRun > 0 && buf.trim() === "" ? { kind: "drop", end: buf.length } : { kind: "text", end: buf.length };
    }
    if (!final && this.#isPartialToken(rest)) return { kind: "wait" };
    if (rest[0] === "{") {
      const end = this.#objectEnd(i);
      if (end === -1) return final ? { kind: "text", end: buf.length } : { kind: "wait" };
      const calls = callsFromJson(buf.slice(i, end), null, this.#names);
      return calls.length ? { kind: "calls", end, calls } : { kind: "text", end };
    }
    const name = this.#names.find((n) => rest.startsWith(n));
    if (name !== undefined) {
      // `name[ARGS]{...}` or `name\n{...}`: the name comes before its arguments object.
      const brace = rest.indexOf("{", name.length);
      if (brace === -1 || brace > name.length + NAME_GAP) {
        if (!final && brace === -1 && rest.length <= name.length + NAME_GAP) return { kind: "wait" };
        return { kind: "text", end: i + name.length };
      }
      const end = this.#objectEnd(i + brace);
      if (end === -1) return final ? { kind: "text", end: buf.length } : { kind: "wait" };
      const calls = callsFromJson(buf.slice(i + brace, end), name, this.#names);
      return calls.length ? { kind: "calls", end, calls } : { kind: "text", end };
    }
    return { kind: "text", end: i };
  }

  #objectEnd(start: number): number {
    // The buffer only grows while a scan is pending; any cut from its front drops the scan.
    if (this.#scan === null || this.#scan.start !== start) {
      this.#scan = { start, pos: start, depth: 0, inString: false, escaped: false };
    }
    const end = scanObject(this.#buf, this.#scan);
    if (end !== -1) this.#scan = null;
    return end;
  }

  #isPartialToken(rest: string): boolean {
    const candidates = [...this.#opening, ...(this.#callsInRun > 0 ? this.#closing : []), ...this.#names];
    return candidates.some((tok) => tok.length > rest.length && tok.startsWith(rest)) ||
      // A name that matched may be the start of a longer one (`get` vs `get_weather`).
      this.#names.some((n) => rest.length < n.length && n.startsWith(rest));
  }
}

function byLength(tokens: string[]): string[] {
  return [...new Set(tokens.filter((t) => t !== ""))].sort((a, b) => b.length - a.length);
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i])) i++;
  return i;
}

/** True when `s` is non-empty and a proper prefix of one of `tokens`. */
function isPrefixOfAny(s: string, tokens: string[]): boolean {
  return s !== "" && tokens.some((t) => t.length > s.length && t.startsWith(s));
}

function matchToken(s: string, i: number, tokens: string[]): string {
  return tokens.find((t) => s.startsWith(t, i)) ?? "";
}

/** Length of the longest suffix of `s` that is a proper prefix of `tag`. */
export function partialSuffix(s: string, tag: string): number {
  for (let n = Math.min(s.length, tag.length - 1); n > 0; n--) {
    if (s.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}

/** Progress of a scan over a JSON object that may not be complete yet. */
interface ObjectScan {
  start: number;
  pos: number;
  depth: number;
  inString: boolean;
  escaped: boolean;
}

/** Continues `scan`; returns the object's end (exclusive), or -1 when it is not closed yet. */
function scanObject(s: string, scan: ObjectScan): number {
  let { depth, inString, escaped } = scan;
  let i = scan.pos;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 92) escaped = true; // backslash
      else if (c === 34) inString = false; // quote
    } else if (c === 34) {
      inString = true;
    } else if (c === 123) {
      depth++;
    } else if (c === 125) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  Object.assign(scan, { pos: i, depth, inString, escaped });
  return -1;
}

/** End (exclusive) of the balanced JSON object starting at `start`, or -1 if it is not closed yet. */
export function objectEnd(s: string, start: number): number {
  return scanObject(s, { start, pos: start, depth: 0, inString: false, escaped: false });
}

type Call = { name: string; arguments: Record<string, unknown> };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Arguments given as an object, or as a string holding a JSON object (OpenAI style). */
function argumentsOf(v: unknown): Record<string, unknown> | null {
  if (isObject(v)) return v;
  if (typeof v === "string") {
    try {
      const parsed = JSON.parse(v);
      if (isObject(parsed)) return parsed;
    } catch { /* not JSON: not a call */ }
  }
  return null;
}

function callFromObject(obj: Record<string, unknown>, names: string[]): Call | null | undefined {
  const known = (name: string) => names.length === 0 || names.includes(name);
  for (const key of NAME_KEYS) {
    const name = obj[key];
    if (typeof name !== "string") continue;
    if (!known(name)) return null;
    const argKey = ARG_KEYS.find((k) => k in obj);
    if (argKey === undefined) return { name, arguments: {} };
    const args = argumentsOf(obj[argKey]);
    return args ? { name, arguments: args } : null;
  }
  // `{"get_weather": {...}}`: the tool's name as the only key.
  const keys = Object.keys(obj);
  if (keys.length === 1 && names.includes(keys[0]) && isObject(obj[keys[0]])) {
    return { name: keys[0], arguments: obj[keys[0]] as Record<string, unknown> };
  }
  return undefined;
}

/** Calls in one JSON object: itself, or calls nested in it (`{"function": {...}}`, `{"tool_calls": [...]}`). */
function collectCalls(value: unknown, names: string[], out: Call[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectCalls(item, names, out);
    return;
  }
  if (!isObject(value)) return;
  const call = callFromObject(value, names);
  if (call) out.push(call);
  if (call !== undefined) return;
  for (const child of Object.values(value)) collectCalls(child, names, out);
}

/** Tool calls in a JSON object's text; `name` when the name came before the object. */
export function callsFromJson(text: string, name: string | null, names: string[]): Call[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isObject(value)) return [];
  if (name !== null) {
    const argKey = ARG_KEYS.find((k) => k in value);
    const args = argKey !== undefined && NAME_KEYS.some((k) => k in value) ? argumentsOf(value[argKey]) : value;
    return args ? [{ name, arguments: args }] : [];
  }
  const out: Call[] = [];
  collectCalls(value, names, out);
  return out;
}
