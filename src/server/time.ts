/** Timestamps and durations on the wire: RFC 3339 with sub-second digits, durations in nanoseconds. */

/** An epoch-ms time as RFC 3339 (`2026-11-22T00:47:58.123Z`), which Go's RFC3339Nano parser reads. */
export function rfc3339(ms: number = Date.now()): string {
  return new Date(ms).toISOString();
}

/** Milliseconds (possibly fractional) as whole nanoseconds. */
export function nanos(ms: number): number {
  return Math.round(ms * 1e6);
}
