/**
 * Gemma 3n as Ollama published it: `token_embd` and the tokenizer keep the multimodal vocabulary (262400 rows) while
 * `per_layer_token_embd` has only the text one (262144); libllama wants one vocabulary size for both. The extra rows
 * are image/audio markers the text model never sees, so the embedding is cut to the per-layer rows: the same bytes
 * from the same offset, fewer of them (rows are contiguous in any ggml type).
 * @module
 */
import { archOf, type CompatFamily } from "./family.ts";
import type { GgufFile } from "../gguf/mod.ts";
import type { HeaderEdit } from "./header_edit.ts";

/** Gemma's end-of-turn token, which a chat must stop on. */
const END_OF_TURN = 106;
/** llama.cpp's token types (LLAMA_TOKEN_TYPE_*). */
const NORMAL = 1, BYTE = 6;

function rowsOf(file: GgufFile, name: string): number | undefined {
  return file.tensors.find((t) => t.name === name)?.shape[1];
}

/** gemma3n (Ollama: handle_gemma3n). */
export const gemma3n: CompatFamily = {
  name: "gemma3n",
  detect(file) {
    if (archOf(file) !== "gemma3n") return false;
    const rows = rowsOf(file, "token_embd.weight"), perLayer = rowsOf(file, "per_layer_token_embd.weight");
    return rows !== undefined && perLayer !== undefined && rows !== perLayer;
  },
  translate(edit: HeaderEdit) {
    const embd = edit.requireTensor("token_embd.weight", 2);
    const target = edit.requireTensor("per_layer_token_embd.weight", 2).shape[1];
    const rows = embd.shape[1];
    if (rows < target) edit.fail(`token_embd.weight has ${rows} rows, fewer than the ${target} of per_layer_token_embd.weight`);
    if (embd.size % rows !== 0) edit.fail(`token_embd.weight's ${embd.size} bytes do not split into ${rows} rows`);
    embd.size = (embd.size / rows) * target;
    embd.shape[1] = target;

    edit.set("tokenizer.ggml.model", "string", "llama");
    const tokens = edit.array("tokenizer.ggml.tokens");
    if (!tokens || tokens.length < target) {
      edit.fail(`tokenizer.ggml.tokens has ${tokens?.length ?? 0} entries, fewer than the ${target} rows of per_layer_token_embd.weight`);
    }
    for (const key of ["tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"]) {
      edit.truncateArray(key, target);
    }
    // SentencePiece byte pieces and Gemma's <unusedN> placeholders, as llama.cpp's converter types them
    const types = edit.array("tokenizer.ggml.token_type");
    if (types) {
      const fixed = types.map((type, i) => {
        const token = tokens[i];
        if (typeof token !== "string") return type;
        if (token.length === 6 && token.startsWith("<0x") && token.endsWith(">")) return BYTE;
        return token.startsWith("<unused") ? NORMAL : type;
      });
      edit.set("tokenizer.ggml.token_type", "array<int32>", fixed);
    }

    const eos = edit.header.metadata.get("tokenizer.ggml.eos_token_ids");
    if (eos && Array.isArray(eos.value)) {
      if (!eos.value.includes(END_OF_TURN)) edit.set("tokenizer.ggml.eos_token_ids", eos.type, [...eos.value, END_OF_TURN]);
    } else {
      edit.set("tokenizer.ggml.eos_token_ids", "array<int32>", [1, END_OF_TURN]);
    }
  },
};
