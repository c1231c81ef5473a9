/**
 * Loading a model file, published-Ollama or not, without a second copy of the weights on disk.
 *
 * A file without a marker goes to `llama_model_load_from_file` exactly as before (mmap). A marked file is loaded by
 * `llama_model_init_from_user`: libllama gets the translated header (a gguf_context built from it in memory) and,
 * for each tensor it creates, our callback reads that tensor's byte range of the published file straight into the
 * buffer libllama allocated (or what a data-transform family's `produce` makes). Nothing is written to disk; the
 * weights sit in anonymous memory instead of a file mapping, about the same resident size.
 *
 * On that route libllama creates every optional tensor the architecture names, present in the file or not, and
 * hands it to the callback (ollama-compat.md, "Header-only vs tensor data changes"). Those with a neutral value are
 * filled here: a tied `output.weight` gets `token_embd.weight`'s bytes (declared with its type), a missing bias
 * zeros, missing `rope_freqs` ones. Any other tensor the translation lacks (an optional norm, a gate: their absence
 * changes the graph, no fill can stand for it) stops this route, and the file is loaded through the derived-file
 * route instead (compat_model_path.ts: the translation written as a GGUF of its own, then mmapped), which is also the
 * route of every case this one cannot serve.
 * @module
 */
import { closeSync, openSync, readSync } from "node:fs";
import { encodeGgufHeader, GGML_TYPE, type GgufTypedValue } from "../gguf/mod.ts";
import { type Llama, type LoadOptions, Model, type TensorSlot } from "../llama/mod.ts";
import { log } from "../log.ts";
import { CompatError } from "./compat_error.ts";
import { compatModelPath, type CompatModelPathOptions, readTranslation } from "./compat_model_path.ts";
import { readRange } from "./derived_file.ts";
import type { CompatTensor } from "./header_edit.ts";
import type { Translation } from "./translate_header.ts";

/** How a model file was loaded: as it is (mmap), from the translated header (no copy), or from a derived file. */
export type LoadRoute = "file" | "user" | "derived";

export interface LoadModelFileOptions extends LoadOptions, CompatModelPathOptions {
  /** Told the route taken, once the model is loaded. */
  onRoute?: (route: LoadRoute) => void;
}

/**
 * Loads `path` (synchronous libllama calls: run it in a Worker). Throws CompatError for a published-Ollama file
 * that is malformed for its architecture, ModelLoadError for one libllama refuses.
 */
export async function loadModelFile(llama: Llama, path: string, options: LoadModelFileOptions = {}): Promise<Model> {
  const translation = await readTranslation(path);
  if (!translation) {
    const model = Model.load(llama, path, options);
    options.onRoute?.("file");
    return model;
  }
  try {
    const model = loadTranslated(llama, path, translation, options);
    options.onRoute?.("user");
    return model;
  } catch (error) {
    if (!(error instanceof NoNeutralFill)) throw error;
    log.warn(`${path}: ${error.message}; loading it through a translated copy on disk instead`);
  }
  const derived = await compatModelPath(path, options);
  const model = Model.load(llama, derived, options);
  options.onRoute?.("derived");
  return model;
}

/** A tensor libllama created that the translation lacks and no neutral value can stand for. */
class NoNeutralFill extends Error {
  constructor(family: string, name: string) {
    super(`${family}: libllama asked for tensor '${name}', which the file lacks and which has no neutral value`);
    this.name = "NoNeutralFill";
  }
}

/** Bytes read at most per read call (node's readSync takes lengths below 2 GiB). */
const READ_CHUNK = 1 << 30;

/** Translated architectures without an output head (an encoder's pooled embedding is its output): nothing to tie. */
const ENCODERS = new Set(["bert"]);

/** The no-copy route: libllama builds the model from the translated header, and `fill` reads each tensor's bytes. */
function loadTranslated(llama: Llama, path: string, translation: Translation, options: LoadOptions): Model {
  const { family, header } = translation;
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  const declared = [...header.tensors];
  // A tied model's output.weight is created here (the tie fallback is not taken on this route): with token_embd's
  // type declared, it gets token_embd's bytes.
  const embedding = byName.get("token_embd.weight");
  const arch = header.metadata.get("general.architecture")?.value;
  if (embedding && !byName.has("output.weight") && !ENCODERS.has(String(arch))) {
    const tied: CompatTensor = { ...embedding, name: "output.weight" };
    declared.push(tied);
    byName.set(tied.name, tied);
  }
  const metadata: Record<string, GgufTypedValue> = Object.fromEntries(header.metadata);
  const { bytes } = encodeGgufHeader({ metadata, tensors: declared });
  const total = header.tensors.reduce((n, t) => n + t.size, 0) || 1;
  const fd = openSync(path, "r");
  const read = (offset: number, size: number) => readRange(fd, path, offset, size);
  let done = 0;
  try {
    return Model.fromUser(llama, path, bytes, (slot) => {
      const tensor = byName.get(slot.name);
      if (tensor) fillFrom(slot, tensor, family, fd, path, read);
      else fillNeutral(slot, family);
      done += slot.size;
      return options.onProgress?.(Math.min(1, done / total)) !== false;
    }, options);
  } finally {
    closeSync(fd);
  }
}

function fillFrom(
  slot: TensorSlot,
  tensor: CompatTensor,
  family: string,
  fd: number,
  path: string,
  read: (offset: number, size: number) => Uint8Array,
): void {
  const shape = [0, 1, 2, 3].map((i) => tensor.shape[i] ?? 1);
  if (shape.some((n, i) => n !== slot.ne[i]) || slot.size !== tensor.size) {
    throw new CompatError(
      family,
      `tensor '${slot.name}' has shape [${tensor.shape}], the architecture expects [${trimOnes(slot.ne)}]`,
    );
  }
  if (tensor.produce) {
    const produced = tensor.produce(read);
    if (produced.byteLength !== slot.size) {
      throw new CompatError(family, `tensor '${slot.name}': ${produced.byteLength} bytes made, ${slot.size} expected`);
    }
    slot.set(produced);
    return;
  }
  const host = slot.hostMemory();
  for (let at = 0; at < slot.size; at += READ_CHUNK) {
    const size = Math.min(READ_CHUNK, slot.size - at);
    if (host) readInto(fd, path, host.subarray(at, at + size), tensor.sourceOffset + at);
    else slot.set(read(tensor.sourceOffset + at, size), at);
  }
}

/** Reads `into.byteLength` bytes at `offset` straight into `into` (the tensor's own memory: no staging copy). */
function readInto(fd: number, path: string, into: Uint8Array, offset: number): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, into.byteLength - done, offset + done);
    if (n === 0) throw new RangeError(`${path} ended at byte ${offset + done}, inside a tensor`);
    done += n;
  }
}

/** A tensor the file lacks: the value that makes it a no-op, or NoNeutralFill. */
function fillNeutral(slot: TensorSlot, family: string): void {
  const f32 = slot.type === GGML_TYPE.F32;
  if (f32 && /\.bias$/.test(slot.name)) {
    zeroOrSet(slot, new Uint8Array(slot.size)); // an absent bias adds nothing
  } else if (f32 && /^rope_freqs\.weight$/.test(slot.name)) {
    zeroOrSet(slot, new Uint8Array(new Float32Array(slot.size / 4).fill(1).buffer)); // absent factors divide by 1
  } else {
    throw new NoNeutralFill(family, slot.name);
  }
}

function zeroOrSet(slot: TensorSlot, bytes: Uint8Array): void {
  const host = slot.hostMemory();
  if (host) host.set(bytes);
  else slot.set(bytes);
}

function trimOnes(ne: readonly number[]): number[] {
  const dims = [...ne];
  while (dims.length > 1 && dims[dims.length - 1] === 1) dims.pop();
  return dims;
}
