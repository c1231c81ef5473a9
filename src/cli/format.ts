/**
 * Human-readable figures exactly as Ollama's CLI prints them (its format/bytes.go, format/time.go, Go's Duration.String).
 * @module
 */

const KB = 1000, MB = KB * 1000, GB = MB * 1000, TB = GB * 1000;

/** Decimal units: `4.7 GB`, `12 MB`, `512 B` (one decimal below 10 only when the value is not whole). */
export function humanBytes(bytes: number): string {
  const units: Array<[number, string]> = [[TB, "TB"], [GB, "GB"], [MB, "MB"], [KB, "KB"]];
  const found = units.find(([size]) => bytes >= size);
  if (!found) return `${Math.trunc(bytes)} B`;
  const value = bytes / found[0];
  if (value >= 10 || value === Math.trunc(value)) return `${Math.trunc(value)} ${found[1]}`;
  return `${value.toFixed(1)} ${found[1]}`;
}

function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** `2 weeks ago`, `4 minutes from now`, `Forever` (more than 20 years ahead), or `zeroValue` for no time. */
export function humanTime(time: Date | undefined, zeroValue: string, now = new Date()): string {
  if (!time || Number.isNaN(time.getTime()) || time.getTime() <= 0) return zeroValue;
  const delta = now.getTime() - time.getTime();
  if (Math.trunc(delta / 3_600_000 / 24 / 365) < -20) return "Forever";
  if (delta < 0) return `${humanDuration(-delta)} from now`;
  return `${humanDuration(delta)} ago`;
}

/** Go's `time.Duration.String()` for a duration in nanoseconds: `1.5s`, `250.5ms`, `2m3.004s`, `0s`. */
export function goDuration(nanoseconds: number): string {
  let ns = Math.round(nanoseconds);
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  ns = Math.abs(ns);
  const trimmed = (value: number, digits: number) => value.toFixed(digits).replace(/\.?0+$/, "");
  if (ns < 1_000) return `${sign}${ns}ns`;
  if (ns < 1_000_000) return `${sign}${trimmed(ns / 1_000, 3)}µs`;
  if (ns < 1_000_000_000) return `${sign}${trimmed(ns / 1_000_000, 6)}ms`;
  const hours = Math.floor(ns / 3_600_000_000_000);
  const minutes = Math.floor((ns % 3_600_000_000_000) / 60_000_000_000);
  const seconds = (ns % 60_000_000_000) / 1_000_000_000;
  let text = `${trimmed(seconds, 9)}s`;
  if (hours > 0 || minutes > 0) text = `${minutes}m${text}`;
  if (hours > 0) text = `${hours}h${text}`;
  return sign + text;
}

/** A borderless table as Ollama renders it: header row, left-aligned cells, columns separated by four spaces. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? "")].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => cell + " ".repeat(widths[i] - [...cell].length)).join("    ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}
