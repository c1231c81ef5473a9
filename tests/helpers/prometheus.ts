/**
 * `/metrics` read back with a real Prometheus text parser (npm `parse-prometheus-text-format`, a port of the
 * Python client's parser). That parser folds a histogram's series into one and drops their labels, `_sum` and
 * `_count` (prom2json's shape for an unlabeled histogram), so the text is parsed twice: once as served, for each
 * family's TYPE and HELP; once with the TYPE lines left out, where every sample line (`_bucket{le=…}`, `_sum`,
 * `_count` included) comes back with its own name, labels and value.
 * @module
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";

export interface ParsedFamily {
  name: string;
  help: string;
  type: string;
}

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  families: Map<string, ParsedFamily>;
  samples: ParsedSample[];
  /** The value of the one sample with this name whose labels include `labels` (0 when none). */
  value(name: string, labels?: Record<string, string>): number;
  /** Every sample with this name whose labels include `labels`. */
  find(name: string, labels?: Record<string, string>): ParsedSample[];
}

interface RawFamily {
  name: string;
  help: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string }>;
}

export function parseMetrics(text: string): ParsedMetrics {
  const families = new Map<string, ParsedFamily>();
  for (const family of parsePrometheusTextFormat(text) as RawFamily[]) {
    families.set(family.name, { name: family.name, help: family.help, type: family.type });
  }
  const untyped = text.split("\n").filter((line) => !line.startsWith("# TYPE ")).join("\n");
  const samples: ParsedSample[] = [];
  for (const family of parsePrometheusTextFormat(untyped) as RawFamily[]) {
    for (const metric of family.metrics) {
      samples.push({ name: family.name, labels: metric.labels ?? {}, value: Number(metric.value) });
    }
  }
  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    families,
    samples,
    find,
    value(name, labels) {
      const found = find(name, labels);
      if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
      return found[0]?.value ?? 0;
    },
  };
}
