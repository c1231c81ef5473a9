/** A counter: a value that only goes up (Prometheus names it with `_total`). */
import { checkNames, formatLabels, formatValue, header, type Labels, labelKey } from "./_format.ts";

export interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

export class Counter {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  #values = new Map<string, { labels: Labels; value: number }>();

  constructor(options: MetricOptions) {
    checkNames(options.name, options.labelNames ?? []);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
  }

  /** Adds `amount` (default 1) to the sample with these labels; a negative amount is a RangeError. */
  inc(labels: Labels = {}, amount = 1): void {
    if (!(amount >= 0)) throw new RangeError(`Counter ${this.name} cannot decrease (got ${amount})`);
    const key = labelKey(this.labelNames, labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += amount;
    else this.#values.set(key, { labels: { ...labels }, value: amount });
  }

  /** The current value for these labels (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(this.labelNames, labels))?.value ?? 0;
  }

  /** The family in text format; a counter without labels shows 0 before its first increment. */
  render(): string {
    let text = header(this.name, this.help, "counter");
    if (this.#values.size === 0 && this.labelNames.length === 0) text += `${this.name} 0\n`;
    for (const { labels, value } of this.#values.values()) {
      text += `${this.name}${formatLabels(this.labelNames, labels)} ${formatValue(value)}\n`;
    }
    return text;
  }
}
