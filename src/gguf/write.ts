/**
 * The GGUF writer (version 3): header built in memory, tensor data streamed one tensor at a time into a temporary
 * file beside the target, which is renamed over it only once complete, so a reader never sees half a file.
 * @module
 */
import { open, rename, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import process from "node:process";
import { ByteWriter } from "./_byte_writer.ts";
import { GGML_TYPES, tensorBytes } from "./ggml_type.ts";
import {
  arrayElementType,
  GGUF_TYPE_ID,
  type GgufScalarType,
  type GgufType,
  type GgufTypedValue,
  type GgufValue,
  isGgufType,
} from "./value_type.ts";

/** A tensor to write: its data now, or a function that makes it when its turn comes (keeps memory to one tensor). */
export interface GgufWriteTensor {
  name: string;
  /** ggml type id (GGML_TYPE.F32, GGML_TYPE.Q8_0 ...). */
  type: number;
  /** Dimensions, ne0 first. */
  shape: readonly number[];
  data: Uint8Array | (() => Uint8Array | Promise<Uint8Array>);
}

/** What to write. */
export interface WriteGgufOptions {
  /**
   * Key-value pairs in the order given. A plain value gets an inferred type: string, bool, a non-negative integer
   * as uint32 (uint64 past 2^32), a negative one as int32 (int64 past), a fraction as float32, a bigint as
   * uint64/int64; arrays of integers become array<int32> and arrays with a fraction array<float32>. Give
   * `{ type, value }` wherever that is not the type a reader expects (llama.cpp checks types), and for empty arrays.
   */
  metadata: Record<string, GgufValue | GgufTypedValue>;
  tensors?: readonly GgufWriteTensor[];
}

/** What {@link writeGguf} wrote. */
export interface GgufWriteResult {
  path: string;
  size: number;
  tensorDataOffset: number;
}

const MAX_NAME_BYTES = 63; // GGML_MAX_NAME (64) less the terminator: llama.cpp rejects longer tensor names
const utf8 = new TextEncoder();

/** Writes a GGUF v3 file at `path` (atomically: temp file, then rename). Bad input throws TypeError or RangeError. */
export async function writeGguf(path: string, options: WriteGgufOptions): Promise<GgufWriteResult> {
  const tensors = options.tensors ?? [];
  const { bytes: headerBytes, sizes, alignment } = encodeGgufHeader(options);

  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const fh = await open(tmp, "wx");
  let closed = false;
  try {
    let position = 0;
    const put = async (bytes: Uint8Array) => {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
        done += bytesWritten;
      }
      position += bytes.length;
    };
    await put(headerBytes);
    const padding = new Uint8Array(alignment);
    for (const [i, t] of tensors.entries()) {
      const data = typeof t.data === "function" ? await t.data() : t.data;
      if (!(data instanceof Uint8Array) || data.length !== sizes[i]) {
        throw new RangeError(`Tensor '${t.name}' data is ${data?.length} bytes, expected ${sizes[i]}`);
      }
      await put(data);
      const pad = (alignment - (data.length % alignment)) % alignment;
      if (pad) await put(padding.subarray(0, pad));
    }
    await fh.close();
    closed = true;
    await rename(tmp, path);
    return { path, size: position, tensorDataOffset: headerBytes.length };
  } catch (error) {
    if (!closed) await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw error;
  }
}

/** A GGUF header on its own: what {@link encodeGgufHeader} returns. */
export interface GgufHeaderBytes {
  /** The header, padded to the alignment: the tensor data would start right after it. */
  bytes: Uint8Array;
  /** Each tensor's data size in bytes (unpadded), in order. */
  sizes: number[];
  alignment: number;
}

/**
 * The header (key-values and tensor infos, padded) of the file {@link writeGguf} would write, without the data: what
 * `gguf_init_from_buffer` needs to describe a model whose bytes come from elsewhere. `tensors[].data` is not read.
 */
export function encodeGgufHeader(options: Pick<WriteGgufOptions, "metadata"> & { tensors?: readonly Omit<GgufWriteTensor, "data">[] }): GgufHeaderBytes {
  const tensors = options.tensors ?? [];
  const entries = Object.entries(options.metadata).map(([key, entry]) => [key, resolve(key, entry)] as const);
  const alignment = alignmentOf(entries);

  const header = new ByteWriter();
  header.u32(0x46554747);
  header.u32(3);
  header.u64(BigInt(tensors.length));
  header.u64(BigInt(entries.length));
  for (const [key, { type, value }] of entries) {
    header.string(key);
    writeValue(header, type, value, key);
  }
  const names = new Set<string>();
  const sizes: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    const size = checkTensor(t, names);
    header.string(t.name);
    header.u32(t.shape.length);
    for (const dim of t.shape) header.u64(BigInt(dim));
    header.u32(t.type);
    header.u64(BigInt(offset));
    sizes.push(size);
    offset += Math.ceil(size / alignment) * alignment;
  }
  header.pad(alignment);
  return { bytes: header.bytes(), sizes, alignment };
}

function checkTensor(t: Omit<GgufWriteTensor, "data">, names: Set<string>): number {
  const nameBytes = utf8.encode(t.name).length;
  if (nameBytes === 0 || nameBytes > MAX_NAME_BYTES) {
    throw new RangeError(`Tensor name '${t.name}' must be 1 to ${MAX_NAME_BYTES} bytes`);
  }
  if (names.has(t.name)) throw new RangeError(`Duplicate tensor name '${t.name}'`);
  names.add(t.name);
  if (t.shape.length < 1 || t.shape.length > 4) throw new RangeError(`Tensor '${t.name}' must have 1 to 4 dimensions`);
  if (!GGML_TYPES.has(t.type)) throw new RangeError(`Tensor '${t.name}' has unknown ggml type ${t.type}`);
  try {
    return tensorBytes(t.type, t.shape);
  } catch (error) {
    throw new RangeError(`Tensor '${t.name}': ${(error as Error).message}`);
  }
}

function alignmentOf(entries: ReadonlyArray<readonly [string, GgufTypedValue]>): number {
  const entry = entries.find(([key]) => key === "general.alignment");
  if (!entry) return 32;
  const { type, value } = entry[1];
  if (type !== "uint32" || typeof value !== "number" || value === 0 || (value & (value - 1)) !== 0) {
    throw new RangeError(`general.alignment must be a power-of-two uint32, got ${type} ${value}`);
  }
  return value;
}

function resolve(key: string, entry: GgufValue | GgufTypedValue): GgufTypedValue {
  if (typeof entry === "object" && !Array.isArray(entry)) {
    if (!isGgufType(entry.type)) throw new TypeError(`Metadata '${key}' has unknown type '${entry.type}'`);
    return entry;
  }
  return { type: infer(key, entry), value: entry };
}

function infer(key: string, value: GgufValue): GgufType {
  switch (typeof value) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "bigint":
      return value < 0n ? "int64" : "uint64";
    case "number":
      if (!Number.isInteger(value)) return "float32";
      if (value >= 0) return value <= 0xffffffff ? "uint32" : "uint64";
      return value >= -0x80000000 ? "int32" : "int64";
  }
  if (value.length === 0) throw new TypeError(`Metadata '${key}' is an empty array: give its type as { type, value }`);
  const kinds = new Set(value.map((v) => (Array.isArray(v) ? "array" : typeof v)));
  if (kinds.size !== 1) throw new TypeError(`Metadata '${key}' mixes ${[...kinds].join(" and ")} elements`);
  const [kind] = kinds;
  if (kind === "array") return `array<${infer(key, value[0])}>`;
  if (kind === "string") return "array<string>";
  if (kind === "boolean") return "array<bool>";
  if (kind === "bigint") return "array<int64>";
  const numbers = value as number[];
  if (!numbers.every(Number.isInteger)) return "array<float32>";
  return numbers.every((v) => v >= -0x80000000 && v <= 0x7fffffff) ? "array<int32>" : "array<int64>";
}

const INT_RANGES: Partial<Record<GgufScalarType, readonly [bigint, bigint]>> = {
  uint8: [0n, 0xffn],
  int8: [-0x80n, 0x7fn],
  uint16: [0n, 0xffffn],
  int16: [-0x8000n, 0x7fffn],
  uint32: [0n, 0xffffffffn],
  int32: [-0x80000000n, 0x7fffffffn],
  uint64: [0n, 0xffffffffffffffffn],
  int64: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

function writeValue(w: ByteWriter, type: GgufType, value: GgufValue, key: string): void {
  w.u32(typeIdOf(type));
  writePayload(w, type, value, key);
}

function typeIdOf(type: GgufType): number {
  return arrayElementType(type) === undefined ? GGUF_TYPE_ID[type as GgufScalarType] : GGUF_TYPE_ID.array;
}

function writePayload(w: ByteWriter, type: GgufType, value: GgufValue, key: string): void {
  const element = arrayElementType(type);
  if (element !== undefined) {
    if (!Array.isArray(value)) throw new TypeError(`Metadata '${key}' of type ${type} needs an array`);
    w.u32(typeIdOf(element));
    w.u64(BigInt(value.length));
    // Elements carry no type id of their own: a nested array is its element type, count and items.
    for (const item of value) writePayload(w, element, item, key);
    return;
  }
  const scalar = type as GgufScalarType;
  if (scalar === "string") {
    if (typeof value !== "string") throw new TypeError(`Metadata '${key}' of type string needs a string`);
    return w.string(value);
  }
  if (scalar === "bool") {
    if (typeof value !== "boolean") throw new TypeError(`Metadata '${key}' of type bool needs a boolean`);
    return w.u8(value ? 1 : 0);
  }
  if (scalar === "float32" || scalar === "float64") {
    if (typeof value !== "number" && typeof value !== "bigint") {
      throw new TypeError(`Metadata '${key}' of type ${type} needs a number`);
    }
    return scalar === "float32" ? w.f32(Number(value)) : w.f64(Number(value));
  }
  if (!(typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value)))) {
    throw new TypeError(`Metadata '${key}' of type ${type} needs an integer, got ${String(value)}`);
  }
  const [min, max] = INT_RANGES[scalar]!;
  if (scalar === "uint64" || scalar === "int64") {
    const big = BigInt(value);
    if (big < min || big > max) throw new RangeError(`Metadata '${key}': ${value} is out of range for ${type}`);
    return scalar === "uint64" ? w.u64(big) : w.i64(big);
  }
  if (Number(value) < Number(min) || Number(value) > Number(max)) {
    throw new RangeError(`Metadata '${key}': ${value} is out of range for ${type}`);
  }
  switch (scalar) {
    case "uint8":
      return w.u8(Number(value));
    case "int8":
      return w.i8(Number(value));
    case "uint16":
      return w.u16(Number(value));
    case "int16":
      return w.i16(Number(value));
    case "uint32":
      return w.u32(Number(value));
    case "int32":
      return w.i32(Number(value));
  }
}
