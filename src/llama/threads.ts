/**
 * Thread counts. The default is the physical cores this process may use: libllama's default is 4
 * (GGML_DEFAULT_N_THREADS), which oversubscribes small machines and starves ggml's spin barriers. A requested
 * count is capped at the CPUs this process may run on: ggml spins every thread of its pool at each graph node's
 * barrier, so 1,000 threads on 2 cores turn one decode into minutes, and GGML_MAX_N_THREADS is 512 besides.
 * @module
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Physical cores from /proc/cpuinfo (unique physical id + core id pairs), capped by the affinity mask. */
export function defaultThreadCount(): number {
  const allowed = Math.max(1, availableParallelism());
  return Math.max(1, Math.min(allowed, physicalCores() ?? allowed));
}

/** The most threads a context may use: the CPUs this process may run on (its affinity mask), at least 1. */
export function maxThreadCount(): number {
  return Math.max(1, availableParallelism());
}

/**
 * A requested thread count made usable: not a positive number (0, negative, NaN, undefined) means the default,
 * a fraction is truncated, and more than `maxThreadCount()` is capped there.
 */
export function threadCount(requested: number | undefined): number {
  const n = Math.trunc(requested ?? 0);
  if (!(n >= 1)) return defaultThreadCount();
  return Math.min(n, maxThreadCount());
}

function physicalCores(): number | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return undefined;
  }
  const cores = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const physical = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1] ?? "0";
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (core !== undefined) cores.add(`${physical}:${core}`);
  }
  return cores.size || undefined;
}
