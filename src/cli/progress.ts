/**
 * Progress for pull, push and create: one bar per layer on a terminal (Ollama's layout: message, percent, bar,
 * done/total, rate, time left), plain lines when the output is not a terminal (logs, CI, pipes).
 * @module
 */
import { humanBytes } from "./format.ts";
import type { ProgressEvent } from "./client.ts";

export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
  columns?: number;
}

interface BarState {
  message: string;
  total: number;
  completed: number;
  initial: number;
  started: number;
  samples: Array<{ at: number; value: number }>;
  done: boolean;
}

function formatEta(seconds: number): string {
  if (seconds >= 100 * 3600) return "99h+";
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}h${Math.floor(seconds / 60) % 60}m`;
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

export class ProgressRenderer {
  #sink: ProgressSink;
  #bars = new Map<string, BarState>();
  #order: string[] = [];
  #lastStatus = "";
  #linesDrawn = 0;
  #lastPlain = new Map<string, number>();
  #now: () => number;

  constructor(sink: ProgressSink, now: () => number = () => Date.now()) {
    this.#sink = sink;
    this.#now = now;
  }

  /** Feeds one progress event from the server. */
  update(event: ProgressEvent): void {
    if (event.digest && event.total) {
      this.#updateBar(event);
    } else if (event.status !== this.#lastStatus) {
      this.#lastStatus = event.status;
      this.#order.push(`status:${event.status}`);
      if (!this.#sink.isTTY) this.#sink.write(`${event.status}\n`);
    }
    if (this.#sink.isTTY) this.#redraw();
  }

  #updateBar(event: ProgressEvent): void {
    const key = event.digest!;
    const now = this.#now();
    let bar = this.#bars.get(key);
    if (!bar) {
      bar = {
        message: event.status,
        total: event.total!,
        completed: event.completed ?? 0,
        initial: event.completed ?? 0,
        started: now,
        samples: [],
        done: false,
      };
      this.#bars.set(key, bar);
      this.#order.push(`bar:${key}`);
      // A resumed download starts above zero: say so, as the person will wonder why it did not restart. Only pulls
      // resume; other bars (quantizing, copying) first report when they are already under way.
      if (event.status.startsWith("pulling ") && bar.initial > 0 && bar.initial < bar.total && !this.#sink.isTTY) {
        this.#sink.write(`${event.status}: resuming at ${humanBytes(bar.initial)} of ${humanBytes(bar.total)}\n`);
      }
    }
    bar.completed = event.completed ?? bar.completed;
    bar.total = event.total!;
    bar.samples.push({ at: now, value: bar.completed });
    if (bar.samples.length > 10) bar.samples.shift();
    if (bar.completed >= bar.total) bar.done = true;
    if (!this.#sink.isTTY) {
      // Plain output: a line per 10% step (and the end), not one per event.
      const step = Math.floor((bar.completed / bar.total) * 10);
      if (this.#lastPlain.get(key) !== step) {
        this.#lastPlain.set(key, step);
        this.#sink.write(`${bar.message} ${Math.floor((bar.completed / bar.total) * 100)}% ${humanBytes(bar.completed)}/${humanBytes(bar.total)}\n`);
      }
    }
  }

  #rate(bar: BarState): number {
    if (bar.samples.length < 2) return 0;
    const first = bar.samples[0], last = bar.samples[bar.samples.length - 1];
    const seconds = (last.at - first.at) / 1000;
    return seconds > 0 ? (last.value - first.value) / seconds : 0;
  }

  /** One bar line in Ollama's shape: `pulling 0123456789ab  42% ▕████      ▏ 1.2 GB/2.0 GB  35 MB/s  23s`. */
  renderBar(bar: BarState, width: number): string {
    const percent = bar.total > 0 ? Math.min(100, (bar.completed / bar.total) * 100) : 0;
    const pad = (s: string, n: number) => " ".repeat(Math.max(0, n - s.length)) + s;
    const pre = `${bar.message} ${pad(percent.toFixed(0), 3)}%`;
    let suf = bar.done ? `${pad(humanBytes(bar.total), 6)}       ` : `${pad(humanBytes(bar.completed), 6)}/${pad(humanBytes(bar.total), 6)}`;
    const rate = this.#rate(bar);
    if (!bar.done && rate > 0) {
      suf += `  ${pad(humanBytes(rate), 6)}/s  ${pad(formatEta((bar.total - bar.completed) / rate), 6)}`;
    } else {
      suf += " ".repeat(18);
    }
    const free = Math.max(0, width - pre.length - suf.length - 5);
    const filled = Math.floor((free * percent) / 100);
    return `${pre} ▕${"█".repeat(filled)}${" ".repeat(free - filled)}▏ ${suf}`;
  }

  #redraw(): void {
    const width = this.#sink.columns ?? 80;
    const lines = this.#order.map((entry) => {
      if (entry.startsWith("bar:")) return this.renderBar(this.#bars.get(entry.slice(4))!, width);
      return entry.slice("status:".length);
    });
    let out = this.#linesDrawn > 0 ? `\x1b[${this.#linesDrawn}F` : "";
    out += lines.map((line) => `\x1b[2K${line}`).join("\n") + "\n";
    this.#linesDrawn = lines.length;
    this.#sink.write(out);
  }
}
