// The npm package ships no types; the shape its parser returns (prom2json's) is read in tests/helpers/prometheus.ts.
declare module "parse-prometheus-text-format" {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
