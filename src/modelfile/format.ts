/**
 * Modelfile text from commands: Ollama's `Command.String()` form (`FROM x`, `PARAMETER k v`, `TEMPLATE """..."""`),
 * with quoting that always reads back to the same value where Ollama's can lose it (a value starting with `"`,
 * holding a bare `\r`, or a line ending in `"""`).
 * @module
 */
import { type Command, isPrint, type Modelfile, trimSpace, unquote } from "./parse.ts";

const NAMED = ["license", "template", "system", "adapter", "renderer", "parser", "requires", "draft"];

/** One command as a Modelfile line (without the trailing newline). */
export function formatCommand(command: Command): string {
  const { name, args } = command;
  if (name === "model") return `FROM ${quoteValue(args)}`;
  if (NAMED.includes(name)) return `${name.toUpperCase()} ${quoteValue(args)}`;
  if (name === "message") {
    const cut = args.indexOf(": ");
    const role = cut < 0 ? args : args.slice(0, cut);
    const content = cut < 0 ? "" : args.slice(cut + 2);
    return `MESSAGE ${role} ${quoteValue(content)}`;
  }
  return `PARAMETER ${name} ${quoteValue(args)}`;
}

/** A whole Modelfile: each command on its line, each line ending in a newline (Ollama's `Modelfile.String()`). */
export function formatModelfile(modelfile: Modelfile): string {
  return modelfile.commands.map((command) => `${formatCommand(command)}\n`).join("");
}

/**
 * A value as it is written after its instruction. Ollama's rule first: bare, or `"v"` when the value holds a newline
 * or starts or ends with a space, `"""v"""` when it also holds a `"`. When that form would not read back as the
 * same value, the first that does of bare, `"v"` and `"""v"""` (triple first when the value holds a `"`). A value no form can hold (see
 * {@linkcode isRepresentable}) gets Ollama's form.
 */
export function quoteValue(value: string): string {
  const ollama = ollamaQuote(value);
  if (value === "") return '""';
  if (readsBack(ollama, value)) return ollama;
  const quoted = value.includes('"') ? [`"""${value}"""`, `"${value}"`] : [`"${value}"`, `"""${value}"""`];
  for (const candidate of [value, ...quoted]) {
    if (readsBack(candidate, value)) return candidate;
  }
  return ollama;
}

/**
 * False for values no quoting can carry through the parser: a non-printable character other than tab, CR and LF
 * (the parser drops those), or a line that ends in `"""` (optionally followed by spaces) inside a value that needs
 * quotes.
 */
export function isRepresentable(value: string): boolean {
  return value === "" || [ollamaQuote(value), value, `"""${value}"""`, `"${value}"`].some((c) => readsBack(c, value));
}

function ollamaQuote(value: string): string {
  if (value.includes("\n") || value.startsWith(" ") || value.endsWith(" ")) {
    return value.includes('"') ? `"""${value}"""` : `"${value}"`;
  }
  return value;
}

/**
 * Whether `written`, placed after an instruction, parses back to `value`: every character survives, no newline
 * inside ends the value early, and the final unquote gives `value`. Mirrors the parser's value state.
 */
function readsBack(written: string, value: string): boolean {
  let buffer = "";
  for (const rune of written) {
    if (rune === "\n" || rune === "\r") {
      if (unquote(trimSpace(buffer)) !== undefined) return false;
      buffer += rune;
    } else if (rune === " " || rune === "\t") {
      buffer += rune;
    } else if (isPrint(rune)) {
      buffer += rune;
    } else {
      return false;
    }
  }
  // The parser trims the value before unquoting; leading blanks never reach it (they separate it from the name).
  return /^[ \t]/.test(buffer) ? false : unquote(trimSpace(buffer)) === value;
}
