/**
 * Default thread count: the physical cores this process may use. libllama's default is 4
 * (GGML_DEFAULT_N_THREADS), which oversubscribes small machines and starves ggml's spin barriers.
 * @module
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Physical cores from /proc/cpuinfo (unique physical id + core id pairs), capped by the affinity mask. */
export function defaultThreadCount(): number {
  const allowed = Math.max(1, availableParallelism());
  return Math.max(1, Math.min(allowed, physicalCores() ?? allowed));
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
