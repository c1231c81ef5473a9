/**
 * Prometheus metrics without a dependency: counters, gauges and histograms in a registry that renders the text
 * exposition format 0.0.4 (`# HELP`, `# TYPE`, `_bucket{le=…}`, `_sum`, `_count`). The server feeds it and serves
 * it at `GET /metrics`.
 * @module
 */
/** A value that only goes up. */
export { Counter, type MetricOptions } from "./counter.ts";
/** A value set directly or read at scrape time. */
export { Gauge, type GaugeOptions } from "./gauge.ts";
/** Observations in cumulative buckets. */
export { Histogram, type HistogramOptions } from "./histogram.ts";
/** Families rendered together; CONTENT_TYPE is the text format's media type. */
export { CONTENT_TYPE, Registry } from "./registry.ts";
/** A sample's labels. */
export type { Labels } from "./_format.ts";
