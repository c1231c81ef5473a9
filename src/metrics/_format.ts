/** Text exposition format 0.0.4 details shared by the metric kinds: label and help escaping, sample values. */

/** A sample's labels, in the order the metric declared their names. */
export type Labels = Record<string, string>;

/** A label value escaped as the format asks: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes only backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A value as Go's ParseFloat reads it back: `+Inf`, `-Inf`, `NaN`, or JavaScript's shortest round-trip form. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** `{a="x",b="y"}`, or nothing without labels. */
export function formatLabels(names: readonly string[], labels: Labels, extra?: [string, string]): string {
  const parts = names.map((name) => `${name}="${escapeLabelValue(labels[name] ?? "")}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** The key a label set is stored under (values joined by a byte no label value holds unescaped). */
export function labelKey(names: readonly string[], labels: Labels): string {
  return names.map((name) => labels[name] ?? "").join("\u0000");
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws a TypeError for a metric or label name the format does not allow. */
export function checkNames(name: string, labelNames: readonly string[]): void {
  if (!NAME.test(name)) throw new TypeError(`Invalid metric name: ${name}`);
  for (const label of labelNames) {
    if (!LABEL.test(label) || label.startsWith("__")) throw new TypeError(`Invalid label name: ${label}`);
  }
}

/** The `# HELP` and `# TYPE` lines of a metric family. */
export function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}
