/**
 * The server's Prometheus metrics (`GET /metrics`, on unless TOLLAMA_METRICS is false): HTTP requests by route
 * pattern and status with their durations, and per model the time to first token, prompt tokens reused from the
 * prefix cache vs computed, generated tokens and generation speed; at scrape time the queue and the loaded models
 * with their memory, read from the scheduler. Label values are bounded: routes are patterns, models are the
 * store's names (a request for a model that does not exist fails before any model metric).
 * @module
 */
import { type Counter, type Gauge, type Histogram, Registry } from "../metrics/mod.ts";
import type { Scheduler } from "../engine/mod.ts";
import type { ServerRunner } from "./deps.ts";

/** What one generation's final stats say, for the model metrics. */
export interface GenerationStats {
  model: string;
  /** Seconds from the request's start (load included) to the first output; undefined when nothing came out. */
  firstTokenSeconds?: number;
  /** The whole prompt, and of it the tokens computed (the rest was reused from the KV cache). */
  promptTokens: number;
  promptEvalTokens: number;
  evalTokens: number;
  evalSeconds: number;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter;
  readonly requestDuration: Histogram;
  readonly inFlight: Gauge;
  readonly firstToken: Histogram;
  readonly promptTokens: Counter;
  readonly generatedTokens: Counter;
  readonly tokensPerSecond: Histogram;
  readonly pullBytes: Counter;

  constructor(scheduler?: Scheduler<ServerRunner>) {
    const r = this.registry;
    this.requests = r.counter({
      name: "tollama_http_requests_total",
      help: "HTTP requests answered, by method, route pattern and status code.",
      labelNames: ["method", "route", "status"],
    });
    this.requestDuration = r.histogram({
      name: "tollama_http_request_duration_seconds",
      help: "Time from a request's arrival to its last byte sent (a stream's whole length), by method and route pattern.",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    });
    this.inFlight = r.gauge({ name: "tollama_http_requests_in_flight", help: "HTTP requests being answered now." });
    this.firstToken = r.histogram({
      name: "tollama_time_to_first_token_seconds",
      help: "Time from a generation request's arrival to its first output token (model load and prompt included).",
      labelNames: ["model"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    });
    this.promptTokens = r.counter({
      name: "tollama_prompt_tokens_total",
      help: "Prompt tokens of finished generations: cache=reused came from the prefix cache, cache=computed were evaluated.",
      labelNames: ["model", "cache"],
    });
    this.generatedTokens = r.counter({
      name: "tollama_generated_tokens_total",
      help: "Tokens generated (eval_count).",
      labelNames: ["model"],
    });
    this.tokensPerSecond = r.histogram({
      name: "tollama_generation_tokens_per_second",
      help: "Generation speed of each finished request (eval_count / eval_duration).",
      labelNames: ["model"],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
    });
    this.pullBytes = r.counter({ name: "tollama_pull_bytes_total", help: "Bytes downloaded by /api/pull." });
    if (scheduler) {
      r.gauge({
        name: "tollama_queue_depth",
        help: "Requests waiting for a model to load or for room in the scheduler.",
        collect: () => [{ value: scheduler.pending }],
      });
      const loaded = () => scheduler.list().filter((status) => !status.loading && status.runner);
      r.gauge({
        name: "tollama_models_loaded",
        help: "Models loaded in memory.",
        collect: () => [{ value: loaded().length }],
      });
      r.gauge({
        name: "tollama_model_memory_bytes",
        help: "Memory a loaded model holds (weights, KV cache, compute buffers), as /api/ps reports it.",
        labelNames: ["model"],
        collect: () => loaded().map((s) => ({ labels: { model: s.spec.name }, value: s.memory?.total ?? s.runner?.size ?? 0 })),
      });
      r.gauge({
        name: "tollama_model_active_requests",
        help: "Requests a loaded model is serving now (generating, or waiting for one of its parallel slots).",
        labelNames: ["model"],
        collect: () => loaded().map((s) => ({ labels: { model: s.spec.name }, value: s.active })),
      });
    }
  }

  /** Records one finished generation. */
  observeGeneration(stats: GenerationStats): void {
    const model = { model: stats.model };
    if (stats.firstTokenSeconds !== undefined) this.firstToken.observe(model, stats.firstTokenSeconds);
    const reused = Math.max(0, stats.promptTokens - stats.promptEvalTokens);
    this.promptTokens.inc({ model: stats.model, cache: "reused" }, reused);
    this.promptTokens.inc({ model: stats.model, cache: "computed" }, stats.promptEvalTokens);
    this.generatedTokens.inc(model, stats.evalTokens);
    if (stats.evalTokens > 0 && stats.evalSeconds > 0) this.tokensPerSecond.observe(model, stats.evalTokens / stats.evalSeconds);
  }

  /** The exposition text. */
  render(): string {
    return this.registry.render();
  }
}
