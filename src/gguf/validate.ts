/**
 * What libllama would assert on, checked before it sees the file. readGguf already refuses a broken format (lengths
 * past the end, unknown types, misaligned or out-of-file tensor data, repeated tensor names); libllama loads such a
 * file cleanly too, with an error. But some values that parse fine end the whole process inside libllama
 * (GGML_ASSERT calls abort()): a block count of 0 or over 512, expert counts that do not add up, an unknown rope
 * scaling type, a tensor dimension of 0, a token that appears twice in the vocabulary. Those, and the cheap
 * consistency checks between the hyperparameters and the tensors present, are found here, in TypeScript, with a
 * message that says which key or tensor is wrong. Every rule holds for every architecture llama.cpp knows (limits:
 * src/llama-hparams.h; asserts: llama_model_base::load_hparams, llama_vocab::impl::load), so no loadable file is
 * refused.
 * @module
 */
import { type GgufFile, readGguf } from "./read.ts";
import type { GgufValue } from "./value_type.ts";

/** LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS (llama-hparams.h). */
const MAX_LAYERS = 512;
const MAX_EXPERTS = 1024;
/** llama_model_n_ctx_train returns an int32. */
const MAX_CONTEXT = 2 ** 31 - 1;
/** llama_rope_scaling_type_from_string; anything else is GGML_ASSERT(... != UNSPECIFIED). */
const ROPE_SCALING_TYPES = new Set(["none", "linear", "yarn", "longrope"]);
/** Reported at most; a file with more is broken enough. */
const MAX_PROBLEMS = 8;

/** A GGUF that parses but that libllama would refuse or abort on; `problems` lists each finding. */
export class GgufValidationError extends Error {
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    super(`invalid model file: ${problems.join("; ")}`);
    this.name = "GgufValidationError";
    this.problems = problems;
  }
}

/** Everything wrong with a parsed header (empty when nothing is). See the module note for what is checked. */
export function ggufProblems(file: GgufFile): string[] {
  const problems: string[] = [];
  const add = (problem: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  checkTensors(file, add);
  checkVocabulary(file, add);
  const type = file.metadata["general.type"];
  // An adapter or a projector (clip) has no language-model hyperparameters; libllama skips them too.
  if (type === "adapter" || type === "projector" || type === "mmproj") return problems;
  const arch = file.metadata["general.architecture"];
  if (typeof arch !== "string" || arch === "") {
    add("general.architecture is missing");
    return problems;
  }
  if (arch !== "clip") checkHyperparameters(file, arch, add);
  return problems;
}

/** Throws a {@link GgufValidationError} when {@link ggufProblems} finds anything. */
export function validateGguf(file: GgufFile): void {
  const problems = ggufProblems(file);
  if (problems.length > 0) throw new GgufValidationError(problems);
}

/**
 * Reads `path` whole (vocabulary included: a repeated token aborts libllama) and validates it. Throws GgufError
 * for a malformed file, GgufValidationError for one libllama would refuse or abort on; returns the header.
 */
export async function validateGgufFile(path: string): Promise<GgufFile> {
  const file = await readGguf(path);
  validateGguf(file);
  return file;
}

type Add = (problem: string) => void;

function checkTensors(file: GgufFile, add: Add): void {
  // gguf_init_from_file wants the data of each tensor right after the previous one's, padded to the alignment.
  let expected = 0;
  for (const t of file.tensors) {
    const zero = t.shape.findIndex((d) => d < 1);
    if (zero >= 0) add(`tensor '${t.name}' has dimension ${zero} of size ${t.shape[zero]}`);
    if (t.offset !== expected) {
      add(`tensor '${t.name}' data starts at offset ${t.offset} of the data section, expected ${expected}`);
      return;
    }
    expected += Math.ceil(t.size / file.alignment) * file.alignment;
  }
}

function checkVocabulary(file: GgufFile, add: Add): void {
  const tokens = file.metadata["tokenizer.ggml.tokens"];
  if (!Array.isArray(tokens) || Object.hasOwn(file.skippedArrays, "tokenizer.ggml.tokens")) return;
  // llama_vocab maps text → id and asserts that no two ids share a text (an empty token is renamed first).
  const seen = new Map<string, number>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (typeof token !== "string") return;
    const text = token === "" ? `[EMPTY_${i}]` : token;
    const first = seen.get(text);
    if (first !== undefined) {
      add(`tokenizer.ggml.tokens has token ${i} equal to token ${first} (${JSON.stringify(text.slice(0, 40))})`);
      return;
    }
    seen.set(text, i);
  }
}

function checkHyperparameters(file: GgufFile, arch: string, add: Add): void {
  const key = (name: string) => `${arch}.${name}`;
  const value = (name: string): GgufValue | undefined =>
    Object.hasOwn(file.metadata, key(name)) ? file.metadata[key(name)] : undefined;
  const integer = (name: string): number | undefined => {
    const v = value(name);
    if (v === undefined) return undefined;
    if ((typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint") return Number(v);
    add(
      `${key(name)} must be an integer, got ${file.metadataTypes[key(name)]} ${JSON.stringify(String(v)).slice(0, 40)}`,
    );
    return undefined;
  };

  const blocks = integer("block_count");
  if (blocks === undefined) {
    if (value("block_count") === undefined) add(`${key("block_count")} is missing`);
    return;
  }
  if (blocks < 1 || blocks > MAX_LAYERS) {
    add(`${key("block_count")} is ${blocks}; llama.cpp supports 1 to ${MAX_LAYERS} layers`);
    return;
  }
  const nextn = integer("nextn_predict_layers") ?? 0;
  if (nextn > blocks) add(`${key("nextn_predict_layers")} is ${nextn}, more than the ${blocks} layers`);

  const context = integer("context_length");
  if (context !== undefined && (context < 0 || context > MAX_CONTEXT)) {
    add(`${key("context_length")} is ${context}; it must be 0 to ${MAX_CONTEXT}`);
  }

  // Keys that are one number or one per layer (get_key_or_arr): an array must have block_count entries.
  const perLayer = (name: string): number[] | undefined => {
    const v = value(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) {
      const n = integer(name);
      return n === undefined ? undefined : new Array(blocks).fill(n);
    }
    if (v.length !== blocks) {
      add(`${key(name)} has ${v.length} entries for ${blocks} layers`);
      return undefined;
    }
    if (!v.every((x) => typeof x === "number" && Number.isInteger(x))) {
      add(`${key(name)} must hold integers`);
      return undefined;
    }
    return v as number[];
  };
  checkExperts(arch, integer, perLayer("expert_used_count"), key, add);
  perLayer("feed_forward_length");

  const heads = perLayer("attention.head_count");
  const kvHeads = perLayer("attention.head_count_kv");
  if (heads && kvHeads) {
    const bad = heads.findIndex((h, i) => h > 0 && kvHeads[i] > 0 && h % kvHeads[i] !== 0);
    if (bad >= 0) {
      add(`layer ${bad} has ${heads[bad]} attention heads, not a multiple of its ${kvHeads[bad]} KV heads`);
    }
  }
  const embd = integer("embedding_length");
  const headDim = integer("attention.key_length") ??
    (embd !== undefined && heads && heads[0] > 0 ? Math.floor(embd / heads[0]) : undefined);
  const rope = integer("rope.dimension_count");
  if (rope !== undefined && headDim !== undefined && rope > headDim) {
    add(`${key("rope.dimension_count")} is ${rope}, more than the head size ${headDim}`);
  }
  const scaling = value("rope.scaling.type");
  if (scaling !== undefined && !ROPE_SCALING_TYPES.has(String(scaling))) {
    add(
      `${key("rope.scaling.type")} is ${JSON.stringify(String(scaling)).slice(0, 40)}; known: ${
        [...ROPE_SCALING_TYPES].join(", ")
      }`,
    );
  }
  if (arch === "wavtokenizer-dec") {
    for (const name of ["posnet.block_count", "convnext.block_count"]) {
      const n = integer(name) ?? 0;
      if (n > blocks) add(`${key(name)} is ${n}, more than the ${blocks} layers`);
    }
  }
  checkLayers(file, blocks, key("block_count"), add);
  checkEmbedding(file, arch === "wavtokenizer-dec" ? undefined : embd, key("embedding_length"), add);
}

function checkExperts(
  arch: string,
  integer: (name: string) => number | undefined,
  used: number[] | undefined,
  key: (name: string) => string,
  add: Add,
): void {
  let experts = integer("expert_count") ?? 0;
  let usedMax = used ? Math.max(0, ...used) : 0;
  // llama.cpp treats one expert as none for these two (load_hparams).
  if ((arch === "hunyuan-vl" || arch === "hunyuan-dense") && experts <= 1) experts = usedMax = 0;
  const groups = integer("expert_group_count") ?? 0;
  const groupsUsed = integer("expert_group_used_count") ?? 0;
  if (experts > MAX_EXPERTS) {
    return add(`${key("expert_count")} is ${experts}; llama.cpp supports at most ${MAX_EXPERTS}`);
  }
  if (usedMax > experts) return add(`${key("expert_used_count")} is ${usedMax}, more than the ${experts} experts`);
  if (experts > 0) {
    if (usedMax === 0) return add(`${key("expert_used_count")} must be at least 1 with ${experts} experts`);
    if (groups >= experts) {
      return add(`${key("expert_group_count")} is ${groups}, not fewer than the ${experts} experts`);
    }
    if (groups > 1) {
      if (experts % groups !== 0) return add(`${experts} experts do not split into ${groups} groups`);
      if (groupsUsed < 1 || groupsUsed >= groups) {
        return add(`${key("expert_group_used_count")} is ${groupsUsed}; it must be 1 to ${groups - 1}`);
      }
    }
  } else if (groups !== 0) {
    add(`${key("expert_group_count")} is ${groups} without experts`);
  }
}

/** Layer tensors (`blk.N.*`) must exist for every N below the block count and for none past it. */
function checkLayers(file: GgufFile, blocks: number, name: string, add: Add): void {
  const present = new Set<number>();
  for (const t of file.tensors) {
    const match = /^blk\.(\d+)\./.exec(t.name);
    if (match) present.add(Number(match[1]));
  }
  if (present.size === 0) return;
  const beyond = [...present].filter((n) => n >= blocks).sort((a, b) => a - b);
  if (beyond.length > 0) {
    add(
      `${name} is ${blocks} but the file has tensors for layer ${beyond[0]}${
        beyond.length > 1 ? ` (and ${beyond.length - 1} more)` : ""
      }`,
    );
    return;
  }
  for (let n = 0; n < blocks; n++) {
    if (!present.has(n)) return add(`${name} is ${blocks} but the file has no tensors for layer ${n}`);
  }
}

/** token_embd.weight is {n_embd, n_vocab} in every architecture llama.cpp builds. */
function checkEmbedding(file: GgufFile, embd: number | undefined, name: string, add: Add): void {
  const tensor = file.tensors.find((t) => t.name === "token_embd.weight");
  if (!tensor || tensor.shape.length !== 2) return;
  if (embd !== undefined && tensor.shape[0] !== embd) {
    add(`token_embd.weight is ${tensor.shape[0]} wide but ${name} is ${embd}`);
  }
  const tokens = file.metadata["tokenizer.ggml.tokens"];
  const vocab = file.skippedArrays["tokenizer.ggml.tokens"] ?? (Array.isArray(tokens) ? tokens.length : undefined);
  if (vocab !== undefined && tensor.shape[1] !== vocab) {
    add(`token_embd.weight has ${tensor.shape[1]} rows for a vocabulary of ${vocab} tokens`);
  }
}
