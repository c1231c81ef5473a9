/**
 * Process probes from /proc (Linux): thread count and resident memory of the server, and the names of its threads
 * (to say what leaked: `tollama model …` Workers, ggml pools, runtime threads).
 * @module
 */
import { readdir, readFile } from "node:fs/promises";
import process from "node:process";

/** What /proc/<pid>/status says about a process. */
export interface ProcSample {
  threads: number;
  rssMb: number;
}

/** Threads and VmRSS of `pid`, or undefined when the process is gone. */
export async function sampleProc(pid: number): Promise<ProcSample | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? NaN);
  return { threads: field("Threads"), rssMb: field("VmRSS") / 1024 };
}

/** Thread names of `pid` with their counts, most frequent first ("tollama model /x.gguf ×3"). */
export async function threadNames(pid: number): Promise<string> {
  const counts = new Map<string, number>();
  let tasks: string[] = [];
  try {
    tasks = await readdir(`/proc/${pid}/task`);
  } catch {
    return "(process gone)";
  }
  for (const task of tasks) {
    const name = (await readFile(`/proc/${pid}/task/${task}/comm`, "utf8").catch(() => "?")).trim();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ×${n}`).join(", ");
}

/** True when /proc is there to probe (Linux); the thread and RSS checks are skipped elsewhere. */
export async function hasProc(): Promise<boolean> {
  return (await sampleProc(process.pid)) !== undefined;
}
