/**
 * An editable copy of a GGUF header: metadata in file order, and the tensors libllama will see, each remembering
 * the byte range of its data in the original file. Families translate through it; every tensor keeps its bytes.
 * @module
 */
import type { GgufFile, GgufTensorInfo, GgufType, GgufTypedValue, GgufValue } from "../gguf/mod.ts";
import { CompatError } from "./compat_error.ts";

/** A tensor of the translated view: its (maybe new) name, type and shape, and where its bytes are in the source. */
export interface CompatTensor {
  name: string;
  type: number;
  shape: number[];
  /** Absolute file offset of the data in the source file (for a produced tensor: of its first source range). */
  sourceOffset: number;
  /** Bytes of the tensor's data as libllama sees it (for a produced tensor: what `produce` returns). */
  size: number;
  /**
   * Only for a tensor whose bytes change (experts merged, a norm shifted, gate/up concatenated or interleaved, rows
   * cut): makes them from byte ranges of the source file. Absent: the `size` bytes at `sourceOffset`, unchanged.
   * Synchronous so that a loader callback (llama_model_init_from_user's set_tensor_data) can call it too.
   */
  produce?: (read: SourceRead) => Uint8Array;
}

/** Reads `size` bytes at absolute offset `offset` of the source file (throws when the file ends first). */
export type SourceRead = (offset: number, size: number) => Uint8Array;

/** The translated header. */
export interface CompatHeader {
  metadata: Map<string, GgufTypedValue>;
  tensors: CompatTensor[];
}

/** Header edits of one family, with errors that name the family. */
export class HeaderEdit {
  readonly arch: string;
  readonly header: CompatHeader;
  readonly #hidden: string[] = [];

  constructor(arch: string, file: GgufFile) {
    this.arch = arch;
    const metadata = new Map<string, GgufTypedValue>();
    for (const [key, value] of Object.entries(file.metadata)) {
      if (file.skippedArrays[key] !== undefined) this.fail(`metadata array ${key} was not read`);
      metadata.set(key, { type: file.metadataTypes[key], value });
    }
    const tensors = file.tensors.map((t: GgufTensorInfo) => {
      const sourceOffset = file.tensorDataOffset + t.offset;
      if (sourceOffset + t.size > file.fileSize) {
        this.fail(`tensor '${t.name}' ends at byte ${sourceOffset + t.size}, past the end of the file (${file.fileSize})`);
      }
      return { name: t.name, type: t.type, shape: [...t.shape], sourceOffset, size: t.size };
    });
    this.header = { metadata, tensors };
  }

  /** Throws a CompatError naming this family. */
  fail(problem: string): never {
    throw new CompatError(this.arch, problem);
  }

  get(key: string): GgufValue | undefined {
    return this.header.metadata.get(key)?.value;
  }

  has(key: string): boolean {
    return this.header.metadata.has(key);
  }

  /** A string value, or undefined when absent; a value of another type is an error. */
  string(key: string): string | undefined {
    const value = this.get(key);
    if (value !== undefined && typeof value !== "string") this.fail(`${key} is not a string`);
    return value;
  }

  /** A numeric scalar, or undefined when absent; a value of another type is an error. */
  number(key: string): number | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    if (typeof value === "bigint") return Number(value);
    if (typeof value !== "number") this.fail(`${key} is not a number`);
    return value;
  }

  /** An array value, or undefined when absent. */
  array(key: string): GgufValue[] | undefined {
    const value = this.get(key);
    if (value !== undefined && !Array.isArray(value)) this.fail(`${key} is not an array`);
    return value;
  }

  /** Sets a key (kept in place when present, appended otherwise). */
  set(key: string, type: GgufType, value: GgufValue): void {
    this.header.metadata.set(key, { type, value });
  }

  setIfMissing(key: string, type: GgufType, value: GgufValue): void {
    if (!this.has(key)) this.set(key, type, value);
  }

  /** Copies a key's value and type to another name when the source exists (the source stays). */
  copy(from: string, to: string): void {
    const entry = this.header.metadata.get(from);
    if (entry) this.header.metadata.set(to, entry);
  }

  /** Renames every key that starts with `from` (order kept). */
  renamePrefix(from: string, to: string): void {
    const entries = [...this.header.metadata].map(([key, value]) =>
      [key.startsWith(from) ? to + key.slice(from.length) : key, value] as const
    );
    this.header.metadata = new Map(entries);
  }

  /** True when the string key is missing, empty or "default" (what old converters wrote for an unknown regex). */
  missingOrDefault(key: string): boolean {
    const value = this.string(key);
    return value === undefined || value === "" || value === "default";
  }

  tensor(name: string): CompatTensor | undefined {
    return this.header.tensors.find((t) => t.name === name);
  }

  /** A tensor that must be there, with at least `dims` dimensions. */
  requireTensor(name: string, dims = 1): CompatTensor {
    const t = this.tensor(name);
    if (!t) this.fail(`tensor '${name}' is missing`);
    if (t.shape.length < dims) this.fail(`tensor '${name}' has shape [${t.shape}], expected ${dims} dimensions`);
    return t;
  }

  hasTensorPrefix(prefix: string): boolean {
    return this.header.tensors.some((t) => t.name.startsWith(prefix));
  }

  renameTensor(from: string, to: string): void {
    const t = this.tensor(from);
    if (!t) return;
    if (this.tensor(to)) this.fail(`tensor '${to}' exists already, cannot rename '${from}' to it`);
    t.name = to;
  }

  /** Replaces the first occurrence of `needle` in every tensor name that contains it. */
  renameTensorsContaining(needle: string, replacement: string): void {
    for (const t of this.header.tensors) {
      if (t.name.includes(needle)) t.name = t.name.replace(needle, replacement);
    }
  }

  /** Hides tensors whose name starts with `prefix` from the text model (their bytes stay in the source file). */
  hidePrefix(prefix: string): void {
    this.#hidden.push(prefix);
    this.header.tensors = this.header.tensors.filter((t) => !t.name.startsWith(prefix));
  }

  get hidden(): readonly string[] {
    return this.#hidden;
  }

  /** Cuts an array key to `length` elements; an array shorter than that is an error (it cannot be made up). */
  truncateArray(key: string, length: number): void {
    const entry = this.header.metadata.get(key);
    if (!entry) return;
    if (!Array.isArray(entry.value)) this.fail(`${key} is not an array`);
    if (entry.value.length < length) {
      this.fail(`${key} has ${entry.value.length} entries, fewer than the ${length} rows of token_embd.weight`);
    }
    this.set(key, entry.type, entry.value.slice(0, length));
  }
}
