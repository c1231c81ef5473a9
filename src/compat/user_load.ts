/**
 * Loading a model file, published-Ollama or not, without a second copy of the weights on disk.
 *
 * A file without a marker goes to `llama_model_load_from_file` exactly as before (mmap). A marked file is loaded by
 * `llama_model_init_from_user`: libllama gets the translated header (a gguf_context built from it in memory) and,
 * for each tensor it creates, our callback reads that tensor's byte range of the published file straight into the
 * buffer libllama allocated (or what a data-transform family's `produce` makes). Nothing is written to disk; the
 * weights sit in anonymous memory instead of a file mapping, about the same resident size.
 *
 * Which tensors reach the callback: those of the header the architecture asks for, by their llama.cpp names (a tied
 * model's output is token_embd created a second time, served by name). The libllama we ship leaves an optional tensor
 * the header lacks uncreated, as its file loader does, and refuses a header with more or fewer tensors than it
 * creates. ollama-compat.md ("Header-only vs tensor data changes") reads the loader source as creating optional
 * tensors anyway and handing them to the callback; in case a build does, such a tensor with a neutral value is
 * filled (a bias zeros, `rope_freqs` ones), and any other one stops this route. The file then loads through the
 * derived-file route (compat_model_path.ts: the translation written as a GGUF of its own, then mmapped), which is also
 * the route asked for with TOLLAMA_COMPAT_COPY.
 *
 * `llama_model_init_from_user` turns libllama's extra CPU buffer types off; the weights the mmap load would repack for
 * the CPU's kernels (AMX: Q4_0, Q8_0, K-quants, F16; CPU_REPACK: Q4_0, Q4_K, MXFP4... on AVX2) are named back into
 * them (llama/repack.ts), so both routes run the same kernels (bench/compat_load.ts measures both).
 * @module
 */
import { closeSync, openSync, readSync } from "node:fs";
import { config } from "../config.ts";
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
  /**
   * Load a published file through its derived file (a translated copy on disk) even where the no-copy route works
   * (default: TOLLAMA_COMPAT_COPY, off). The copy is mmapped like any model: twice the disk, for a machine that
   * would rather lean on the page cache than hold the weights in anonymous memory.
   */
  copy?: boolean;
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
  if (!(options.copy ?? config.compatCopy())) {
    try {
      const model = loadTranslated(llama, path, translation, options);
      options.onRoute?.("user");
      return model;
    } catch (error) {
      if (!(error instanceof NoNeutralFill)) throw error;
      log.warn(`${path}: ${error.message}; loading it through a translated copy on disk instead`);
    }
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

/** The no-copy route: libllama builds the model from the translated header, and `fill` reads each tensor's bytes. */
function loadTranslated(llama: Llama, path: string, translation: Translation, options: LoadOptions): Model {
  const { family, header } = translation;
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  const metadata: Record<string, GgufTypedValue> = Object.fromEntries(header.metadata);
  // Exactly the file's tensors: libllama counts the tensors it creates against the header's (one the architecture
  // never asks for, such as an output head declared for an encoder, fails the load), and a tied model's output is
  // token_embd created a second time, which `fill` serves by name like the first.
  const { bytes } = encodeGgufHeader({ metadata, tensors: header.tensors });
  const total = header.tensors.reduce((n, t) => n + t.size, 0) || 1;
  const fd = openSync(path, "r");
  const read = (offset: number, size: number) => readRange(fd, path, offset, size);
  // one buffer, grown to the largest tensor staged, for the tensors ggml copies out of it
  let stage = new Uint8Array(0);
  const staging = (size: number) => (stage.byteLength >= size ? stage : (stage = new Uint8Array(size))).subarray(0, size);
  let done = 0;
  try {
    return Model.fromUser(llama, path, bytes, (slot) => {
      const tensor = byName.get(slot.name);
      if (tensor) fillFrom(slot, tensor, family, fd, path, read, staging);
      else fillNeutral(slot, family);
      done += slot.size;
      return options.onProgress?.(Math.min(1, done / total)) !== false;
    }, { ...options, repack: header.tensors });
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
  staging: (size: number) => Uint8Array,
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
  // a buffer outside host memory (AMX, CPU_REPACK, an RPC device) is written through ggml in one call: the
  // repacking ones take a tensor only whole
  const into = host ?? staging(slot.size);
  for (let at = 0; at < slot.size; at += READ_CHUNK) {
    readInto(fd, path, into.subarray(at, Math.min(slot.size, at + READ_CHUNK)), tensor.sourceOffset + at);
  }
  if (!host) slot.set(into);
}

/** Reads `into.byteLength` bytes at `offset` into `into` (a tensor's own memory, or the staging buffer). */
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
