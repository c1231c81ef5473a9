/**
 * The Modelfile parser: Ollama's rune-by-rune state machine (parser/parser.go), so the same text gives the same
 * commands and the same errors. `FROM` becomes the command `model`, `PARAMETER name v` becomes the command `name`,
 * `MESSAGE role text` becomes `message` with args `role: text`.
 * @module
 */
import { ModelfileParseError } from "./errors.ts";

/** One instruction: `name` is `model`, `adapter`, `template`, ..., or a parameter name; `args` its value. */
export interface Command {
  name: string;
  args: string;
}

/** A parsed Modelfile: its commands in file order. */
export interface Modelfile {
  commands: Command[];
}

/** The instructions a Modelfile may use (lower-case; the file may use any case). */
export const INSTRUCTIONS: readonly string[] = [
  "from",
  "license",
  "template",
  "system",
  "adapter",
  "draft",
  "renderer",
  "parser",
  "parameter",
  "message",
  "requires",
];

/** Roles a `MESSAGE` line may name. */
export const MESSAGE_ROLES: readonly string[] = ["system", "user", "assistant"];

const INVALID_COMMAND = 'command must be one of "from", "license", "template", "system", "adapter", "draft", ' +
  '"renderer", "parser", "parameter", "message", or "requires"';
const INVALID_ROLE = 'message role must be one of "system", "user", or "assistant"';

const NIL = 0, NAME = 1, VALUE = 2, PARAMETER = 3, MESSAGE = 4, COMMENT = 5;
type State = typeof NIL | typeof NAME | typeof VALUE | typeof PARAMETER | typeof MESSAGE | typeof COMMENT;

/** Signals Go's io.ErrUnexpectedEOF from the rune step (reported with the buffer, without a line). */
const UNEXPECTED = Symbol("unexpected EOF");

/**
 * Parses a Modelfile. Bytes are decoded as UTF-8, or UTF-16 when a BOM says so; a UTF-8 BOM is skipped.
 * Throws {@linkcode ModelfileParseError} with Ollama's message, e.g. `(line 3): command must be one of ...`,
 * `unexpected EOF`, `no FROM line`.
 */
export function parseModelfile(input: string | Uint8Array): Modelfile {
  const text = typeof input === "string" ? input.replace(/^\uFEFF/, "") : decodeModelfile(input);
  const commands: Command[] = [];
  let name = "";
  let state: State = NIL;
  let line = 1;
  let buffer = "";
  let role = "";
  let previous = "";

  for (const rune of text) {
    // Ollama counts \r and \n each as a line; a CRLF pair is one line here, so CRLF files report true lines.
    if (rune === "\n" ? previous !== "\r" : rune === "\r") line++;
    previous = rune;

    const step = nextState(rune, state);
    if (step === UNEXPECTED) throw new ModelfileParseError(`unexpected EOF: ${buffer}`);
    if (typeof step === "string") throw new ModelfileParseError(step, line);
    let [next, out] = step;

    if (next !== state) {
      switch (state) {
        case NAME: {
          const instruction = buffer.toLowerCase();
          if (!INSTRUCTIONS.includes(instruction)) throw new ModelfileParseError(INVALID_COMMAND, line);
          if (instruction === "from") name = "model";
          else if (instruction === "parameter") next = PARAMETER;
          else {
            if (instruction === "message") next = MESSAGE;
            name = instruction;
          }
          break;
        }
        case PARAMETER:
          name = buffer;
          break;
        case MESSAGE:
          if (!MESSAGE_ROLES.includes(buffer)) throw new ModelfileParseError(INVALID_ROLE, line);
          role = buffer;
          break;
        case VALUE: {
          // A space never ends a value; a newline ends it once its quotes are balanced.
          const value = isSpace(out) ? undefined : unquote(trimSpace(buffer));
          if (value === undefined) {
            buffer += out;
            continue;
          }
          commands.push({ name, args: role ? `${role}: ${value}` : value });
          role = "";
          break;
        }
      }
      buffer = "";
      state = next;
    }

    if (isPrint(out)) buffer += out;
  }

  if (state === VALUE) {
    const value = unquote(trimSpace(buffer));
    if (value === undefined) throw new ModelfileParseError("unexpected EOF");
    commands.push({ name, args: role ? `${role}: ${value}` : value });
  } else if (state !== NIL && state !== COMMENT) {
    throw new ModelfileParseError("unexpected EOF");
  }

  if (!commands.some((command) => command.name === "model")) throw new ModelfileParseError("no FROM line");
  return { commands };
}

/** One step of the state machine: the next state and the rune to keep ("" for none), or an error. */
function nextState(rune: string, state: State): [State, string] | string | typeof UNEXPECTED {
  switch (state) {
    case NIL:
      if (rune === "#") return [COMMENT, ""];
      if (isSpace(rune) || isNewline(rune)) return [NIL, ""];
      return [NAME, rune];
    case NAME:
      if (isAlpha(rune)) return [NAME, rune];
      if (isSpace(rune)) return [VALUE, ""];
      return INVALID_COMMAND;
    case VALUE:
      if (isNewline(rune) || isSpace(rune)) return [NIL, rune];
      return [VALUE, rune];
    case PARAMETER:
      if (isAlpha(rune) || isDigit(rune) || rune === "_") return [PARAMETER, rune];
      if (isSpace(rune)) return [VALUE, ""];
      return UNEXPECTED;
    case MESSAGE:
      if (isAlpha(rune)) return [MESSAGE, rune];
      if (isSpace(rune)) return [VALUE, ""];
      return UNEXPECTED;
    case COMMENT:
      return isNewline(rune) ? [NIL, ""] : [COMMENT, ""];
  }
}

/** Strips `"""..."""` or `"..."`; undefined while the quotes are unbalanced. No escapes; single quotes are text. */
export function unquote(text: string): string | undefined {
  if (text.startsWith('"""')) {
    return text.length >= 6 && text.endsWith('"""') ? text.slice(3, -3) : undefined;
  }
  if (text.startsWith('"')) {
    return text.length >= 2 && text.endsWith('"') ? text.slice(1, -1) : undefined;
  }
  return text;
}

const GO_SPACES = new Set([..."\t\n\v\f\r \u0085\u00A0\u1680\u2028\u2029\u202F\u205F\u3000"]);

/** Go's unicode.IsSpace, the set strings.TrimSpace removes. */
export function isGoSpace(char: string): boolean {
  return GO_SPACES.has(char) || (char >= "\u2000" && char <= "\u200A");
}

/** Go's strings.TrimSpace (JS's trim differs: it strips U+FEFF and keeps U+0085). */
export function trimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isGoSpace(text[start])) start++;
  while (end > start && isGoSpace(text[end - 1])) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(rune: string): boolean {
  return rune !== "" && printable.test(rune);
}

function isAlpha(rune: string): boolean {
  return (rune >= "a" && rune <= "z") || (rune >= "A" && rune <= "Z");
}

function isDigit(rune: string): boolean {
  return rune >= "0" && rune <= "9";
}

function isSpace(rune: string): boolean {
  return rune === " " || rune === "\t";
}

function isNewline(rune: string): boolean {
  return rune === "\r" || rune === "\n";
}

/** Bytes to text as Ollama reads a Modelfile: a UTF-16 BOM selects UTF-16, a UTF-8 BOM is dropped, else UTF-8. */
export function decodeModelfile(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16(bytes.subarray(2), true);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeUtf16(bytes.subarray(2), false);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
}

function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const units = new Uint16Array(bytes.byteLength >> 1);
  for (let i = 0; i < units.length; i++) units[i] = view.getUint16(i * 2, littleEndian);
  let text = "";
  for (let i = 0; i < units.length; i += 8192) text += String.fromCharCode(...units.subarray(i, i + 8192));
  // Lone surrogates become U+FFFD, as Go's decoder does; an odd trailing byte too.
  text = text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  return bytes.byteLength % 2 ? text + "\uFFFD" : text;
}
