/**
 * The scheduler (Ollama's server/sched.go, first version): one loaded runner per model blob, loaded on demand,
 * shared by up to `parallel` requests at once, kept for its keep-alive after the last request (0 unloads at once,
 * Infinity never), at most `maxLoaded` runners (the idle one closest to expiry is evicted first), and a bounded
 * queue of waiting requests (503 beyond it). A runner is reloaded only when a load-time option cannot be met: a
 * smaller num_ctx than the loaded one is served as is. With a `memory` budget, a new model loads only when its
 * estimate fits beside the loaded ones (free memory, less what their estimates hold: Ollama's updateFreeSpace); if
 * not, the idle model closest to expiry is evicted and the check repeats, and a model that does not fit with
 * nothing else loaded fails with Ollama's message. Loads are decided one at a time, as Ollama's loop does.
 * `loadRunner`, `now` and `memory` are injected so the unit tests need no libllama.
 * @module
 */
import { setTimeout as startTimer } from "node:timers";
import { humanBytes2, log } from "../log.ts";
import type { MemoryEstimate } from "./memory_estimate.ts";

/** Options that fix how a model is loaded; anything else (sampling) never forces a reload. */
export interface LoadOptions {
  num_ctx?: number;
  num_batch?: number;
  num_gpu?: number;
  main_gpu?: number;
  use_mmap?: boolean;
  num_thread?: number;
}

/** What to load: `key` identifies the runner (the model blob path and its adapters: never shared across them). */
export interface LoadSpec {
  key: string;
  /** Shown by /api/ps. */
  name: string;
  model: string;
  modelPath: string;
  options: LoadOptions;
  adapters?: string[];
  projectors?: string[];
  /** Anything the loader needs and the scheduler does not look at (details, digest, embedding flag). */
  extra?: Record<string, unknown>;
}

/** The slice of a loaded model the scheduler needs. */
export interface SchedulerRunner {
  close(): void | Promise<void>;
  /** Bytes of memory it holds, for the load log line. */
  readonly size?: number;
  /** True when it can serve no more (an RPC worker it used was lost): the next request loads it again. */
  readonly failed?: boolean;
}

/** A request's hold on a loaded runner. */
export interface Lease<R> {
  readonly runner: R;
  readonly spec: LoadSpec;
  /** Milliseconds this request spent waiting for the load it caused or joined (0 when already loaded). */
  readonly loadMs: number;
  /** Gives the runner back; `keepAliveMs` (default: the scheduler's) starts counting when no request holds it. */
  release(keepAliveMs?: number): void;
}

/** A loaded (or loading) runner as /api/ps reports it. */
export interface RunnerStatus<R> {
  spec: LoadSpec;
  runner?: R;
  loading: boolean;
  active: number;
  /** Epoch ms; Infinity when it never expires, NaN while busy. */
  expiresAt: number;
  /** What it was estimated to take (with a memory budget). */
  memory?: MemoryEstimate;
}

/** The memory models are fitted into (Ollama's system info), and what each takes. */
export interface MemoryBudget {
  /** What `spec` takes once loaded (memory_estimate.ts); a rejection skips the check (the load reports the file). */
  estimate(spec: LoadSpec): Promise<MemoryEstimate>;
  /** Bytes free now as the system reports them, and in all, where models go (this machine and any RPC workers). */
  available(): Promise<{ free: number; total: number }>;
}

export interface SchedulerOptions<R extends SchedulerRunner> {
  loadRunner(spec: LoadSpec, signal: AbortSignal): Promise<R>;
  now?: () => number;
  maxLoaded?: () => number;
  maxQueue?: () => number;
  keepAliveMs?: () => number;
  /** Requests one runner serves at once. */
  parallel?: (spec: LoadSpec) => number;
  /** A load taking longer is aborted (OLLAMA_LOAD_TIMEOUT); ≤ 0 or Infinity: no limit. */
  loadTimeoutMs?: () => number;
  /** Fit models by memory too; absent: only `maxLoaded` limits them. */
  memory?: MemoryBudget;
}

/** A model that does not fit even with nothing else loaded (Ollama's message and status). */
export class InsufficientMemoryError extends Error {
  readonly status = 500;
  constructor(readonly required: number, readonly available: number) {
    super(`model requires more system memory (${humanBytes2(required)}) than is available (${humanBytes2(Math.max(0, available))})`);
    this.name = "InsufficientMemoryError";
  }
}

/** A model that did not load within the load timeout (Ollama's message). */
export class LoadTimeoutError extends Error {
  readonly status = 500;
  constructor(ms: number) {
    super(`timed out waiting for llama runner to start after ${Math.round(ms / 1000)}s`);
    this.name = "LoadTimeoutError";
  }
}

/** 503 when the queue is full. */
export class ServerBusyError extends Error {
  readonly status = 503;
  constructor() {
    super("server busy, please try again.  maximum pending requests exceeded");
    this.name = "ServerBusyError";
  }
}

interface Entry<R> {
  spec: LoadSpec;
  ready: Promise<R>;
  runner?: R;
  active: number;
  keepAliveMs: number;
  expiresAt: number;
  timer?: ReturnType<typeof startTimer>;
  doomed: boolean;
  closed: Promise<void>;
  markClosed: () => void;
  abort: AbortController;
  /** Why it goes, for the unload log line (unset: its keep-alive ran out). */
  reason?: string;
  memory?: MemoryEstimate;
}

/** True when a loaded runner cannot serve `wanted` (see the module note). */
export function needsReload(loaded: LoadSpec, wanted: LoadSpec): boolean {
  const a = loaded.options;
  const b = wanted.options;
  if ((b.num_ctx ?? 0) > (a.num_ctx ?? 0)) return true;
  if (b.num_batch !== undefined && a.num_batch !== undefined && b.num_batch !== a.num_batch) return true;
  if (b.num_gpu !== undefined && b.num_gpu !== -1 && b.num_gpu !== a.num_gpu) return true;
  if (b.main_gpu !== undefined && b.main_gpu !== a.main_gpu) return true;
  if (b.use_mmap !== undefined && b.use_mmap !== a.use_mmap) return true;
  if (b.num_thread !== undefined && b.num_thread !== 0 && b.num_thread !== a.num_thread) return true;
  const same = (x?: string[], y?: string[]) => (x ?? []).join("\0") === (y ?? []).join("\0");
  return !same(loaded.adapters, wanted.adapters) || !same(loaded.projectors, wanted.projectors);
}

/** Loads, shares, keeps and evicts runners. */
export class Scheduler<R extends SchedulerRunner> {
  #entries = new Map<string, Entry<R>>();
  #pending = 0;
  #changed = Promise.withResolvers<void>();
  #options: Required<Omit<SchedulerOptions<R>, "memory">> & Pick<SchedulerOptions<R>, "memory">;
  #closed = false;
  /** The end of the last fit decision: the next waits for it (one load decided at a time). */
  #fitting: Promise<void> = Promise.resolve();

  constructor(options: SchedulerOptions<R>) {
    this.#options = {
      now: Date.now,
      maxLoaded: () => 3,
      maxQueue: () => 512,
      keepAliveMs: () => 5 * 60_000,
      parallel: () => 1,
      loadTimeoutMs: () => 0,
      ...options,
    };
  }

  /** Requests waiting for a runner (not yet holding one). */
  get pending(): number {
    return this.#pending;
  }

  #notify(): void {
    const old = this.#changed;
    this.#changed = Promise.withResolvers<void>();
    old.resolve();
  }

  async #waitForChange(signal?: AbortSignal): Promise<void> {
    const changed = this.#changed.promise;
    if (!signal) return await changed;
    signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason ?? new DOMException("request canceled", "AbortError"));
      signal.addEventListener("abort", onAbort, { once: true });
      changed.then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /** Waits for (loading if needed) a runner that can serve `spec`. Throws ServerBusyError when the queue is full. */
  async acquire(spec: LoadSpec, options: { signal?: AbortSignal } = {}): Promise<Lease<R>> {
    if (this.#closed) throw new Error("scheduler is closed");
    if (this.#pending >= this.#options.maxQueue()) throw new ServerBusyError();
    this.#pending++;
    const started = this.#options.now();
    let waitedForLoad = false;
    let estimate: MemoryEstimate | undefined | null;
    try {
      while (true) {
        options.signal?.throwIfAborted();
        const entry = this.#entries.get(spec.key);
        if (entry && !entry.doomed && !needsReload(entry.spec, spec) && !entry.runner?.failed) {
          if (!entry.runner) {
            waitedForLoad = true;
            await raceAbort(entry.ready, options.signal);
            continue;
          }
          if (entry.active < this.#options.parallel(entry.spec)) {
            return this.#lease(entry, waitedForLoad ? this.#options.now() - started : 0);
          }
          await this.#waitForChange(options.signal);
          continue;
        }
        if (entry) {
          this.#doom(entry, entry.runner?.failed ? "failed" : "reload");
          await this.#waitForChange(options.signal);
          continue;
        }
        if (this.#entries.size >= this.#options.maxLoaded()) {
          const victim = this.#victim();
          if (victim) this.#doom(victim, "evicted");
          await this.#waitForChange(options.signal);
          continue;
        }
        if (this.#options.memory) {
          const placed = await this.#fitOrEvict(spec, estimate, options.signal);
          estimate = placed.estimate;
          if (placed.loaded) waitedForLoad = true;
          else if (placed.change) await raceAbort(placed.change, options.signal);
          continue;
        }
        this.#load(spec);
        waitedForLoad = true;
      }
    } finally {
      this.#pending--;
    }
  }

  /**
   * One fit decision, taken while no other is: loads `spec` when its estimate fits beside the loaded models, or
   * marks a victim to go (then the caller waits for a change and asks again); throws InsufficientMemoryError when
   * nothing else is loaded and it still does not fit. `estimate` null: it could not be made, load unchecked.
   */
  async #fitOrEvict(
    spec: LoadSpec,
    estimate: MemoryEstimate | undefined | null,
    signal?: AbortSignal,
  ): Promise<{ estimate: MemoryEstimate | null; loaded: boolean; change?: Promise<void> }> {
    const memory = this.#options.memory!;
    const previous = this.#fitting;
    const turn = Promise.withResolvers<void>();
    this.#fitting = previous.then(() => turn.promise);
    try {
      await raceAbort(previous, signal);
      if (estimate === undefined) {
        estimate = await memory.estimate(spec).catch((error) => {
          log.debug("no memory estimate; loading unchecked", { model: spec.name, error: (error as Error)?.message });
          return null;
        });
      }
      const { free, total } = await memory.available();
      // the state may have moved while this waited: the caller's loop looks again
      if (this.#entries.has(spec.key) || this.#entries.size >= this.#options.maxLoaded()) {
        return { estimate, loaded: false };
      }
      const held = [...this.#entries.values()].reduce((sum, e) => sum + (e.memory?.total ?? 0), 0);
      const room = Math.min(free, total - held);
      if (!estimate || estimate.total <= room) {
        if (estimate) {
          log.info("new model fits in available memory, loading", {
            model: spec.name,
            required: humanBytes2(estimate.total),
            available: humanBytes2(room),
          });
        }
        this.#load(spec, estimate ?? undefined);
        return { estimate, loaded: true };
      }
      if (this.#entries.size === 0) throw new InsufficientMemoryError(estimate.total, room);
      // taken before anything is doomed, so an unload that finishes before the caller waits is not missed
      const change = this.#changed.promise;
      // one eviction at a time: the memory counts again once it is gone (Ollama waits for the unload too)
      if ([...this.#entries.values()].some((e) => e.doomed)) return { estimate, loaded: false, change };
      const victim = this.#victim();
      log.info("model requires more memory than is currently available, evicting a model to make space", {
        model: spec.name,
        required: humanBytes2(estimate.total),
        available: humanBytes2(Math.max(0, room)),
        evicting: victim?.spec.name,
      });
      if (victim) this.#doom(victim, "evicted");
      return { estimate, loaded: false, change };
    } finally {
      turn.resolve();
    }
  }

  #load(spec: LoadSpec, memory?: MemoryEstimate): void {
    const closed = Promise.withResolvers<void>();
    const abort = new AbortController();
    const entry: Entry<R> = {
      spec,
      ready: undefined as unknown as Promise<R>,
      active: 0,
      keepAliveMs: this.#options.keepAliveMs(),
      expiresAt: NaN,
      doomed: false,
      closed: closed.promise,
      markClosed: closed.resolve,
      abort,
      memory,
    };
    const timeout = this.#options.loadTimeoutMs();
    const timer = timeout > 0 && Number.isFinite(timeout)
      ? startTimer(() => abort.abort(new LoadTimeoutError(timeout)), timeout)
      : undefined;
    log.info("loading model", { model: spec.name, path: spec.modelPath, num_ctx: spec.options.num_ctx });
    const loadStarted = performance.now();
    const loading = this.#options.loadRunner(spec, abort.signal);
    // A runner that arrives after its load was given up is closed, not leaked.
    loading.then((runner) => {
      if (abort.signal.aborted && entry.runner !== runner) void Promise.resolve(runner.close()).catch(() => {});
    }, () => {});
    // A loader that ignores its signal still loses the race to the timeout.
    const timedOut = new Promise<never>((_, reject) =>
      abort.signal.addEventListener("abort", () => reject(abort.signal.reason), { once: true })
    );
    entry.ready = Promise.race([loading, timedOut]).finally(() => clearTimeout(timer)).then((runner) => {
      const seconds = ((performance.now() - loadStarted) / 1000).toFixed(2);
      // the estimate when there is one: the figure /api/ps shows
      const bytes = entry.memory?.total ?? runner.size;
      const size = bytes === undefined ? undefined : humanBytes2(bytes);
      log.info(`llama runner started in ${seconds} seconds`, { model: spec.name, size });
      entry.runner = runner;
      this.#notify();
      if (entry.doomed) void this.#unload(entry);
      return runner;
    }, (error) => {
      log.warn("failed to load model", { model: spec.name, error: (error as Error)?.message ?? String(error) });
      this.#entries.delete(spec.key);
      entry.markClosed();
      this.#notify();
      throw error;
    });
    entry.ready.catch(() => {}); // waiters see the error through their own await
    this.#entries.set(spec.key, entry);
  }

  #lease(entry: Entry<R>, loadMs: number): Lease<R> {
    entry.active++;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.expiresAt = NaN;
    let released = false;
    return {
      runner: entry.runner!,
      spec: entry.spec,
      loadMs,
      release: (keepAliveMs) => {
        if (released) return;
        released = true;
        entry.active--;
        entry.keepAliveMs = keepAliveMs ?? this.#options.keepAliveMs();
        if (entry.active === 0) this.#idle(entry);
        this.#notify();
      },
    };
  }

  #idle(entry: Entry<R>): void {
    const keep = entry.keepAliveMs;
    if (!entry.doomed && keep <= 0) entry.reason = "keep_alive 0";
    if (entry.doomed || keep <= 0) return void this.#unload(entry);
    if (keep === Infinity) {
      entry.expiresAt = Infinity;
      return;
    }
    entry.expiresAt = this.#options.now() + keep;
    entry.timer = startTimer(() => void this.#unload(entry), Math.min(keep, 2 ** 31 - 1));
    entry.timer.unref?.();
  }

  /** Marks an entry to go as soon as no request holds it. */
  #doom(entry: Entry<R>, reason: string): void {
    if (entry.doomed) return;
    entry.doomed = true;
    entry.reason = reason;
    if (entry.runner && entry.active === 0) void this.#unload(entry);
  }

  async #unload(entry: Entry<R>): Promise<void> {
    if (this.#entries.get(entry.spec.key) !== entry) return;
    await this.#release(entry);
    this.#notify();
  }

  /** Forgets `entry` and closes its runner; a runner that fails to close is logged, never rethrown. */
  async #release(entry: Entry<R>): Promise<void> {
    if (entry.timer) clearTimeout(entry.timer);
    this.#entries.delete(entry.spec.key);
    try {
      await entry.runner?.close();
      if (entry.runner) log.info("model unloaded", { model: entry.spec.name, reason: entry.reason ?? "expired" });
    } catch (error) {
      log.error("failed to unload model", { model: entry.spec.name, error: (error as Error)?.message ?? String(error) });
    }
    entry.markClosed();
  }

  /** The idle runner with the shortest remaining keep-alive (then by key); if none is idle, the busy one expiring first. */
  #victim(): Entry<R> | undefined {
    const all = [...this.#entries.values()].filter((e) => !e.doomed);
    const byExpiry = (a: Entry<R>, b: Entry<R>) =>
      (a.expiresAt || 0) - (b.expiresAt || 0) || (a.keepAliveMs - b.keepAliveMs) || a.spec.key.localeCompare(b.spec.key);
    const idle = all.filter((e) => e.runner && e.active === 0).sort(byExpiry);
    if (idle.length) return idle[0];
    return all.filter((e) => e.runner).sort((a, b) => a.keepAliveMs - b.keepAliveMs)[0];
  }

  /** Unloads the runner for `key` now if idle, or when its requests finish. Resolves when it is gone. */
  async unload(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#doom(entry, "requested");
    await entry.closed;
  }

  /** Loaded and loading runners, longest remaining time first (as /api/ps lists them). */
  list(): RunnerStatus<R>[] {
    const rank = (e: Entry<R>) => (e.active > 0 || !e.runner ? Infinity : e.expiresAt);
    return [...this.#entries.values()]
      .sort((a, b) => rank(b) - rank(a))
      .map((e) => ({
        spec: e.spec,
        runner: e.runner,
        loading: !e.runner,
        active: e.active,
        expiresAt: e.expiresAt,
        ...(e.memory ? { memory: e.memory } : {}),
      }));
  }

  /** Unloads everything (waiting for loads in progress) and refuses new requests. */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    for (const entry of entries) {
      entry.reason = "shutdown";
      if (!entry.runner) entry.abort.abort();
      await entry.ready.catch(() => {});
      await this.#release(entry);
    }
    this.#notify();
  }
}

function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new DOMException("request canceled", "AbortError"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
