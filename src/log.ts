/**
 * The server's log in Ollama's shape: Go's log/slog text lines as ollama's logutil writes them, on stderr,
 * `time=2026-12-05T01:02:03.456Z level=INFO source=scheduler.ts:231 msg="loading model" model=tiny:latest`.
 * OLLAMA_DEBUG picks the least severe level written: INFO by default, 1 → DEBUG, 2 → TRACE. Also the value formats
 * Ollama's lines use: Go's duration strings, Go's quoting, and sizes as its format.HumanBytes2 writes them.
 * @module
 */
import { config } from "./config.ts";

export type LogLevelName = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR";
/** Extra `key=value` pairs; undefined values are left out. */
export type LogAttrs = Record<string, unknown>;

const SEVERITY: Record<LogLevelName, number> = { TRACE: -8, DEBUG: -4, INFO: 0, WARN: 4, ERROR: 8 };

export interface Logger {
  trace(msg: string, attrs?: LogAttrs): void;
  debug(msg: string, attrs?: LogAttrs): void;
  info(msg: string, attrs?: LogAttrs): void;
  warn(msg: string, attrs?: LogAttrs): void;
  error(msg: string, attrs?: LogAttrs): void;
}

/** A logger writing whole lines to `write` (default: stderr, as Ollama's). */
export function createLogger(write: (line: string) => void = (line) => console.error(line)): Logger {
  const at = (level: LogLevelName) => (msg: string, attrs?: LogAttrs) => {
    if (SEVERITY[level] < leastSeverity()) return;
    write(formatLogLine(level, msg, attrs, { source: callerSource() }));
  };
  return { trace: at("TRACE"), debug: at("DEBUG"), info: at("INFO"), warn: at("WARN"), error: at("ERROR") };
}

/** The process's logger, on stderr. */
export const log: Logger = createLogger();

function leastSeverity(): number {
  const level = config.debugLevel();
  return level >= 2 ? SEVERITY.TRACE : level >= 1 ? SEVERITY.DEBUG : SEVERITY.INFO;
}

/** `file.ts:line` of the code that called the logger (slog's AddSource, which Ollama turns on). */
function callerSource(): string | undefined {
  // frames: Error, callerSource, the level function, its caller. A single executable's bundle has no source files
  // to name (its frames say `tollama:25461`): there the attribute is left out.
  const frame = new Error().stack?.split("\n")[3] ?? "";
  const match = /([^/\\\s(]+\.[cm]?[jt]sx?):(\d+):\d+\)?\s*$/.exec(frame);
  return match ? `${match[1]}:${match[2]}` : undefined;
}

/** One slog text line. */
export function formatLogLine(
  level: LogLevelName,
  msg: string,
  attrs: LogAttrs = {},
  options: { time?: Date; source?: string } = {},
): string {
  const parts = [`time=${goTime(options.time ?? new Date())}`, `level=${level}`];
  if (options.source) parts.push(`source=${options.source}`);
  parts.push(`msg=${slogValue(msg)}`);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined) parts.push(`${key}=${slogValue(value)}`);
  }
  return parts.join(" ");
}

function slogValue(value: unknown): string {
  const text = value instanceof Error
    ? value.message
    : typeof value === "string"
    ? value
    : Array.isArray(value)
    ? `[${value.join(" ")}]`
    : typeof value === "object" && value !== null
    ? JSON.stringify(value)
    : String(value);
  // slog's needsQuoting: empty, or any space, '=', '"' or unprintable character
  return text === "" || /[\s="\p{C}]/u.test(text) ? goQuote(text) : text;
}

/** Go's strconv.Quote for the characters a log line meets. */
export function goQuote(text: string): string {
  const named: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };
  // deno-lint-ignore no-control-regex -- control characters are exactly what Go escapes
  const escaped = text.replace(/["\\]/g, "\\$&").replace(/[\x00-\x1f\x7f]/g, (c) =>
    named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`
  );
  return `"${escaped}"`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Local time as slog writes it: RFC 3339 with milliseconds. */
function goTime(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const zone = offset === 0 ? "Z" : `${offset > 0 ? "+" : "-"}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${
    pad(date.getMinutes())
  }:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}${zone}`;
}

/** Milliseconds as Go's time.Duration prints them: `532.1µs`, `12.345ms`, `1.5s`, `2m3.25s`, `1h0m0s`. */
export function goDuration(ms: number): string {
  let ns = Math.round(Math.abs(ms) * 1e6);
  const sign = ms < 0 && ns > 0 ? "-" : "";
  if (ns === 0) return "0s";
  const fraction = (value: number, unit: number) => {
    const whole = Math.floor(value / unit);
    const rest = value - whole * unit;
    if (rest === 0) return String(whole);
    return `${whole}.${String(rest).padStart(String(unit).length - 1, "0").replace(/0+$/, "")}`;
  };
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${fraction(ns, 1e3)}µs`;
  if (ns < 1e9) return `${sign}${fraction(ns, 1e6)}ms`;
  const hours = Math.floor(ns / 3.6e12);
  ns -= hours * 3.6e12;
  const minutes = Math.floor(ns / 6e10);
  ns -= minutes * 6e10;
  return `${sign}${hours ? `${hours}h` : ""}${hours || minutes ? `${minutes}m` : ""}${fraction(ns, 1e9)}s`;
}

/** Bytes as Ollama's format.HumanBytes2: `512 B`, `1.5 KiB`, `17.2 MiB`, `1.4 GiB`. */
export function humanBytes2(bytes: number): string {
  const units: Array<[number, string]> = [[2 ** 30, "GiB"], [2 ** 20, "MiB"], [2 ** 10, "KiB"]];
  for (const [size, unit] of units) if (bytes >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  return `${bytes} B`;
}
