/** A gauge: a value that goes up and down, set directly or read at scrape time through `collect`. */
import { checkNames, formatLabels, formatValue, header, type Labels, labelKey } from "./_format.ts";
import type { MetricOptions } from "./counter.ts";

export interface GaugeOptions extends MetricOptions {
  /** Called at each render: the samples to show (replacing any set before), e.g. read from the scheduler. */
  collect?: () => Array<{ labels?: Labels; value: number }>;
}

export class Gauge {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  #collect?: GaugeOptions["collect"];
  #values = new Map<string, { labels: Labels; value: number }>();

  constructor(options: GaugeOptions) {
    checkNames(options.name, options.labelNames ?? []);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    this.#collect = options.collect;
  }

  set(labels: Labels, value: number): void {
    this.#values.set(labelKey(this.labelNames, labels), { labels: { ...labels }, value });
  }

  /** Adds `amount` (negative to subtract) to the sample with these labels. */
  inc(labels: Labels = {}, amount = 1): void {
    this.set(labels, this.get(labels) + amount);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(this.labelNames, labels))?.value ?? 0;
  }

  /** Forgets every sample (a model unloaded leaves no stale series). */
  reset(): void {
    this.#values.clear();
  }

  render(): string {
    if (this.#collect) {
      this.reset();
      for (const sample of this.#collect()) this.set(sample.labels ?? {}, sample.value);
    }
    let text = header(this.name, this.help, "gauge");
    if (this.#values.size === 0 && this.labelNames.length === 0) text += `${this.name} 0\n`;
    for (const { labels, value } of this.#values.values()) {
      text += `${this.name}${formatLabels(this.labelNames, labels)} ${formatValue(value)}\n`;
    }
    return text;
  }
}
