/**
 * Llama 3 blobs converted before May 2024: no `tokenizer.ggml.pre` (libllama then splits the prompt with the
 * default regex, giving other tokens) and EOS pointing at `<|end_of_text|>` (128001) instead of `<|eot_id|>`.
 * @module
 */
import type { GgufFile } from "../gguf/mod.ts";
import { archOf, type CompatFamily } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

const EOT_ID = 128009;
const END_OF_TEXT = 128001;
const START_HEADER = 128006;

function tokenAt(file: GgufFile, index: number): unknown {
  const tokens = file.metadata["tokenizer.ggml.tokens"];
  return Array.isArray(tokens) ? tokens[index] : undefined;
}

function templateHas(file: GgufFile, text: string): boolean {
  const template = file.metadata["tokenizer.chat_template"];
  return typeof template === "string" && template.includes(text);
}

function missingPre(file: GgufFile): boolean {
  const pre = file.metadata["tokenizer.ggml.pre"];
  return pre === undefined || pre === "" || pre === "default";
}

/** The Llama 3 metadata gap (Ollama: detect_ollama_llama3_metadata_gap). */
export const llama3: CompatFamily = {
  name: "llama",
  mayMatch(file) {
    const tokens = file.skippedArrays["tokenizer.ggml.tokens"] ??
      (Array.isArray(file.metadata["tokenizer.ggml.tokens"]) ? file.metadata["tokenizer.ggml.tokens"].length : 0);
    return archOf(file) === "llama" && tokens > EOT_ID &&
      (missingPre(file) || file.metadata["tokenizer.ggml.eos_token_id"] === END_OF_TEXT);
  },
  detect(file) {
    if (archOf(file) !== "llama" || tokenAt(file, EOT_ID) !== "<|eot_id|>") return false;
    const chatMarkers = tokenAt(file, START_HEADER) === "<|start_header_id|>" ||
      templateHas(file, "<|start_header_id|>") || templateHas(file, "<|eot_id|>");
    return chatMarkers && (missingPre(file) || file.metadata["tokenizer.ggml.eos_token_id"] === END_OF_TEXT);
  },
  translate(edit: HeaderEdit) {
    if (edit.missingOrDefault("tokenizer.ggml.pre")) edit.set("tokenizer.ggml.pre", "string", "llama-bpe");
    for (const key of ["tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"]) {
      const id = edit.number(key);
      if (id === undefined || id === END_OF_TEXT) edit.set(key, "uint32", EOT_ID);
    }
    edit.set("tokenizer.ggml.eos_token_ids", "array<int32>", [EOT_ID]);
  },
};
