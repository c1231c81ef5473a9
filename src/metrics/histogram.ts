/** A histogram: observations counted into cumulative `le` buckets, with their `_sum` and `_count`. */
import { checkNames, formatLabels, formatValue, header, type Labels, labelKey } from "./_format.ts";
import type { MetricOptions } from "./counter.ts";

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, increasing; `+Inf` is added. */
  buckets: readonly number[];
}

interface Series {
  labels: Labels;
  /** Per bucket, not cumulative (made cumulative when rendered). */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly buckets: readonly number[];
  #series = new Map<string, Series>();

  constructor(options: HistogramOptions) {
    checkNames(options.name, options.labelNames ?? []);
    if (options.labelNames?.includes("le")) throw new TypeError(`Histogram ${options.name} cannot have a label named le`);
    const buckets = options.buckets.filter((bound) => bound !== Infinity);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i] > buckets[i - 1])) throw new RangeError(`Histogram ${options.name}: buckets must increase`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    this.buckets = buckets;
  }

  observe(labels: Labels, value: number): void {
    if (Number.isNaN(value)) return;
    const key = labelKey(this.labelNames, labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels: { ...labels }, counts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    let i = this.buckets.findIndex((bound) => value <= bound);
    if (i < 0) i = this.buckets.length;
    series.counts[i]++;
    series.sum += value;
    series.count++;
  }

  /** Count and sum of the observations with these labels. */
  get(labels: Labels = {}): { count: number; sum: number } {
    const series = this.#series.get(labelKey(this.labelNames, labels));
    return { count: series?.count ?? 0, sum: series?.sum ?? 0 };
  }

  render(): string {
    let text = header(this.name, this.help, "histogram");
    const series = [...this.#series.values()];
    if (series.length === 0 && this.labelNames.length === 0) {
      series.push({ labels: {}, counts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 });
    }
    for (const { labels, counts, sum, count } of series) {
      let cumulative = 0;
      [...this.buckets, Infinity].forEach((bound, i) => {
        cumulative += counts[i];
        text += `${this.name}_bucket${formatLabels(this.labelNames, labels, ["le", formatValue(bound)])} ${cumulative}\n`;
      });
      const plain = formatLabels(this.labelNames, labels);
      text += `${this.name}_sum${plain} ${formatValue(sum)}\n${this.name}_count${plain} ${count}\n`;
    }
    return text;
  }
}
