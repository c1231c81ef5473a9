/** A set of metric families rendered together as one text exposition (what `GET /metrics` answers). */
import { Counter, type MetricOptions } from "./counter.ts";
import { Gauge, type GaugeOptions } from "./gauge.ts";
import { Histogram, type HistogramOptions } from "./histogram.ts";

/** The content type of the text format this registry writes. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Metric = Counter | Gauge | Histogram;

export class Registry {
  #metrics = new Map<string, Metric>();

  counter(options: MetricOptions): Counter {
    return this.#add(new Counter(options));
  }

  gauge(options: GaugeOptions): Gauge {
    return this.#add(new Gauge(options));
  }

  histogram(options: HistogramOptions): Histogram {
    return this.#add(new Histogram(options));
  }

  #add<M extends Metric>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new TypeError(`Metric ${metric.name} is already registered`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /** Every family in registration order, families separated by a blank line. */
  render(): string {
    return [...this.#metrics.values()].map((metric) => metric.render()).join("\n");
  }
}
