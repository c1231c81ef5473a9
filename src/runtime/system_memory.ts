/**
 * This machine's memory for the Bun adapter (Deno has Deno.systemMemoryInfo): Linux's /proc/meminfo, whose
 * MemAvailable counts the page cache the kernel can give back (node:os freemem's MemFree does not, and an idle
 * box with a warm cache would look full); elsewhere node:os.
 * @module
 */
import { readFileSync } from "node:fs";
import { freemem, totalmem } from "node:os";

/** `total`, `free` (MemAvailable) and `swapFree`, in bytes. */
export function systemMemory(): { total: number; free: number; swapFree: number } {
  try {
    const text = readFileSync("/proc/meminfo", "utf8");
    const kib = (key: string): number | undefined => {
      const match = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text);
      return match ? Number(match[1]) * 1024 : undefined;
    };
    const total = kib("MemTotal");
    const free = kib("MemAvailable") ?? kib("MemFree");
    if (total !== undefined && free !== undefined) return { total, free, swapFree: kib("SwapFree") ?? 0 };
  } catch {
    // not Linux: node:os below
  }
  return { total: totalmem(), free: freemem(), swapFree: 0 };
}
