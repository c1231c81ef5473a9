/**
 * EmbeddingGemma as Ollama published it: architecture `gemma3` with the sentence-transformers projection after
 * pooling as `dense.0`/`dense.1` (768→3072→768). llama.cpp loads it as `gemma-embedding` (bidirectional attention,
 * the projection as `dense_2`/`dense_3` with its sizes in metadata); as `gemma3` libllama refuses the two extra
 * tensors. Only embeddinggemma ships `dense.0.weight`, which is the marker (gemma3.ts leaves such files to this one).
 * @module
 */
import { archOf, type CompatFamily, hasTensor } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** embeddinggemma (Ollama: handle_embeddinggemma). */
export const embeddinggemma: CompatFamily = {
  name: "embeddinggemma",
  detect: (file) => archOf(file) === "gemma3" && hasTensor(file, "dense.0.weight"),
  translate(edit: HeaderEdit) {
    const d0 = edit.requireTensor("dense.0.weight", 2);
    const d1 = edit.requireTensor("dense.1.weight", 2);
    const embd = edit.number("gemma3.embedding_length");
    if (embd === undefined) edit.fail("gemma3.embedding_length is missing");
    // libllama asserts (aborts) on these, so they are checked here
    if (d0.shape[0] !== embd) edit.fail(`dense.0.weight has shape [${d0.shape}], expected ${embd} inputs (embedding_length)`);
    if (d1.shape[1] !== embd) edit.fail(`dense.1.weight has shape [${d1.shape}], expected ${embd} outputs (embedding_length)`);
    if (d0.shape[1] !== d1.shape[0]) edit.fail(`dense.0.weight's ${d0.shape[1]} outputs are not dense.1.weight's ${d1.shape[0]} inputs`);

    edit.set("general.architecture", "string", "gemma-embedding");
    // a copy under the new prefix (the gemma3.* keys stay, unread), without the causal flag and the layer pattern:
    // gemma-embedding attends both ways and derives its sliding layers itself
    for (const [key, value] of [...edit.header.metadata]) {
      if (key.startsWith("gemma3.")) edit.set(`gemma-embedding.${key.slice("gemma3.".length)}`, value.type, value.value);
    }
    edit.header.metadata.delete("gemma-embedding.attention.causal");
    edit.header.metadata.delete("gemma-embedding.attention.sliding_window_pattern");
    edit.setIfMissing("gemma-embedding.rope.freq_base_swa", "float32", 10_000);
    edit.set("gemma-embedding.dense_2_feat_in", "uint32", d0.shape[0]);
    edit.set("gemma-embedding.dense_2_feat_out", "uint32", d0.shape[1]);
    edit.set("gemma-embedding.dense_3_feat_in", "uint32", d1.shape[0]);
    edit.set("gemma-embedding.dense_3_feat_out", "uint32", d1.shape[1]);
    edit.renameTensor("dense.0.weight", "dense_2.weight");
    edit.renameTensor("dense.1.weight", "dense_3.weight");
    edit.renameTensor("norm.weight", "output_norm.weight");
  },
};
