/**
 * Byte-level steps of the Qwen 3.5 and GLM-OCR translations: a tensor promoted to F32 with 1.0 added (Qwen 3.5's
 * MTP norms, stored zero-centred in published blobs), and tensors concatenated along their last dimension
 * (per-expert MTP weights stacked into one expert tensor, GLM-OCR's gate and up fused). Each step sets a
 * CompatTensor's type, shape and size, and a `produce` that reads the source's byte ranges when the loader asks.
 * @module
 */
import { encodeF32, GGML_TYPE, ggmlTypeName, tensorBytes } from "../gguf/mod.ts";
import { toF32 } from "./tensor_data.ts";
import type { CompatTensor, HeaderEdit, SourceRead } from "./header_edit.ts";

/** The types {@link normValues} reads; a norm in another type is refused rather than guessed. */
const SHIFTABLE: ReadonlySet<number> = new Set([GGML_TYPE.F32, GGML_TYPE.F16, GGML_TYPE.BF16, GGML_TYPE.Q8_0]);

/** The values of norm data of `type` (F32, F16, BF16 — the types a published norm comes in — or Q8_0). */
export function normValues(type: number, bytes: Uint8Array): Float32Array {
  return toF32(type, bytes, (name) => `cannot read ${name} norm data as F32`);
}

/**
 * Makes `t` an F32 tensor whose values are its source values plus 1.0 (what Ollama's compat does to Qwen 3.5's
 * MTP norms: llama.cpp's converter stores them shifted, the published blobs do not).
 */
export function shiftToF32PlusOne(edit: HeaderEdit, t: CompatTensor): void {
  if (t.produce) edit.fail(`tensor '${t.name}' is transformed twice`);
  if (!SHIFTABLE.has(t.type)) {
    edit.fail(`tensor '${t.name}' is ${ggmlTypeName(t.type)}, which cannot be shifted to F32`);
  }
  const { type, sourceOffset, size } = t;
  if (tensorBytes(type, t.shape) !== size) edit.fail(`tensor '${t.name}' has ${size} bytes for shape [${t.shape}]`);
  t.type = GGML_TYPE.F32;
  t.size = t.shape.reduce((a, b) => a * b, 1) * 4;
  t.produce = (read: SourceRead) => {
    const values = normValues(type, read(sourceOffset, size));
    for (let i = 0; i < values.length; i++) values[i] += 1;
    return encodeF32(values);
  };
}

/**
 * Replaces `parts` (same type, same shape) by one tensor `name` holding their bytes one after another: stacked
 * along a new last dimension (`stack`: n experts [ne0, ne1] → [ne0, ne1, n]) or joined along the last existing one
 * (`extend`: [ne0, ne1] twice → [ne0, 2·ne1]). Both are plain byte concatenation, since ggml stores the last
 * dimension outermost. The merged tensor takes the place of the first part.
 */
export function concatTensors(
  edit: HeaderEdit,
  name: string,
  parts: CompatTensor[],
  mode: "stack" | "extend",
): CompatTensor {
  const first = parts[0];
  if (!first) edit.fail(`no tensors to merge into '${name}'`);
  for (const p of parts) {
    if (p.produce) edit.fail(`tensor '${p.name}' is transformed twice`);
    if (p.type !== first.type || p.shape.join() !== first.shape.join()) {
      edit.fail(
        `tensor '${p.name}' is ${ggmlTypeName(p.type)} [${p.shape}], unlike '${first.name}' (${
          ggmlTypeName(first.type)
        } [${first.shape}]): they cannot be merged into '${name}'`,
      );
    }
  }
  const shape = mode === "stack"
    ? [...first.shape, parts.length]
    : [...first.shape.slice(0, -1), first.shape[first.shape.length - 1] * parts.length];
  const ranges = parts.map((p) => ({ offset: p.sourceOffset, size: p.size }));
  const size = ranges.reduce((a, r) => a + r.size, 0);
  const merged: CompatTensor = {
    name,
    type: first.type,
    shape,
    sourceOffset: first.sourceOffset,
    size,
    produce: (read) => {
      const out = new Uint8Array(size);
      let at = 0;
      for (const r of ranges) {
        out.set(read(r.offset, r.size), at);
        at += r.size;
      }
      return out;
    },
  };
  const gone = new Set(parts);
  edit.header.tensors = edit.header.tensors.flatMap((t) => t === first ? [merged] : gone.has(t) ? [] : [t]);
  return merged;
}
