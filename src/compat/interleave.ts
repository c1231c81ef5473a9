/**
 * Per-expert interleave of two stacked expert tensors (gemma4 MoE: `ffn_gate_exps` + `ffn_up_exps` become one
 * `ffn_gate_up_exps` whose expert e is gate e's rows, then up e's rows).
 * @module
 */
import type { SourceRead } from "./header_edit.ts";

/** A byte range of the source file. */
export interface ByteRange {
  offset: number;
  size: number;
}

/**
 * The bytes of `a` and `b` (same size, `experts` equal slices each) interleaved slice by slice: a0 b0 a1 b1 …
 * Reads one slice at a time, so a 3-D expert tensor never needs its halves in memory twice.
 */
export function interleaveExperts(read: SourceRead, a: ByteRange, b: ByteRange, experts: number): Uint8Array {
  if (a.size !== b.size) throw new RangeError(`interleaved ranges differ in size: ${a.size} and ${b.size} bytes`);
  if (!Number.isInteger(experts) || experts <= 0 || a.size % experts !== 0) {
    throw new RangeError(`${a.size} bytes do not split into ${experts} experts`);
  }
  const slice = a.size / experts;
  const out = new Uint8Array(a.size * 2);
  for (let e = 0; e < experts; e++) {
    out.set(read(a.offset + e * slice, slice), 2 * e * slice);
    out.set(read(b.offset + e * slice, slice), (2 * e + 1) * slice);
  }
  return out;
}
