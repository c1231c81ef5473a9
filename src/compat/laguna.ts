/**
 * Laguna (poolside) as Ollama published it: the sliding-window RoPE keys nested under `rope.swa.*`, and the
 * attention output gate named `attn_g`.
 * @module
 */
import { archOf, type CompatFamily, hasKey, hasTensor } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** laguna (Ollama: handle_laguna). */
export const laguna: CompatFamily = {
  name: "laguna",
  detect: (file) =>
    archOf(file) === "laguna" &&
    (hasKey(file, "laguna.rope.swa.dimension_count") || hasKey(file, "laguna.rope.swa.freq_base") ||
      hasTensor(file, "blk.0.attn_g.weight")),
  translate(edit: HeaderEdit) {
    edit.copy("laguna.rope.swa.dimension_count", "laguna.rope.dimension_count_swa");
    edit.copy("laguna.rope.swa.freq_base", "laguna.rope.freq_base_swa");
    const embd = edit.number("laguna.embedding_length");
    const headDim = edit.number("laguna.attention.key_length");
    const heads = edit.get("laguna.attention.head_count");
    for (const t of edit.header.tensors) {
      const m = /^blk\.(\d+)\.attn_g\.weight$/.exec(t.name);
      if (!m) continue;
      t.name = `blk.${m[1]}.attn_gate.weight`;
      // libllama aborts the process on a gate that is neither per head nor per element: refuse it here
      const n = Array.isArray(heads) ? Number(heads[Number(m[1])]) : Number(heads);
      const widths = headDim && n ? [n, n * headDim] : [];
      if (
        t.shape.length !== 2 || (embd !== undefined && t.shape[0] !== embd) ||
        (widths.length && !widths.includes(t.shape[1]))
      ) {
        edit.fail(
          `tensor '${t.name}' has shape [${t.shape}], expected [${embd}, ${
            widths.join(" or ")
          }] (a gate per head or per element)`,
        );
      }
    }
  },
};
