/**
 * The GGUF reader: header, metadata and tensor infos, read from disk in small chunks (never the tensor data).
 * Layout: ggml/include/gguf.h and docs/gguf.md of llama.cpp. Everything is little-endian.
 * @module
 */
import { open } from "node:fs/promises";
import { ByteReader } from "./_byte_reader.ts";
import { GGML_TYPES, ggmlTypeName, tensorBytes } from "./ggml_type.ts";
import { GgufError } from "./gguf_error.ts";
import { type GgufScalarType, type GgufType, ggufTypeName, type GgufValue, SCALAR_BYTES } from "./value_type.ts";

/** One tensor as the header describes it; the data itself stays on disk. */
export interface GgufTensorInfo {
  name: string;
  /** The ggml type id (see GGML_TYPE). */
  type: number;
  /** The ggml type's name ("F32", "Q8_0"). */
  typeName: string;
  /** Dimensions, ne0 first (ggml order: [n_in, n_out] for a weight matrix). */
  shape: number[];
  /** Where the data starts, relative to `GgufFile.tensorDataOffset` (as the file stores it). */
  offset: number;
  /** Bytes of data. */
  size: number;
}

/** What {@link readGguf} returns. */
export interface GgufFile {
  path: string;
  /** 2 or 3. */
  version: number;
  /** `general.alignment`, 32 when absent. */
  alignment: number;
  /** Every key-value pair, in file order. See GgufValue for how 64-bit integers come out. */
  metadata: Record<string, GgufValue>;
  /** The on-disk type of every key ("uint32", "array<string>"), so a writer can reproduce it exactly. */
  metadataTypes: Record<string, GgufType>;
  /** Arrays longer than `maxArrayElements`: left out of `metadata` (their value is []), with their real length. */
  skippedArrays: Record<string, number>;
  tensors: GgufTensorInfo[];
  /** File offset where tensor data starts (the end of the header, aligned). */
  tensorDataOffset: number;
  fileSize: number;
}

/** Options for {@link readGguf}. */
export interface ReadGgufOptions {
  /** Skip (without loading) top-level arrays longer than this, e.g. a 150k-token vocabulary nobody will look at. */
  maxArrayElements?: number;
}

const MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const DEFAULT_ALIGNMENT = 32;
const MAX_DIMS = 4; // GGML_MAX_DIMS
// Limits no real model comes near; each also has to fit in the bytes left in the file.
const MAX_STRING_BYTES = 1 << 26;
const MAX_ARRAY_ELEMENTS = 1 << 24;
const MAX_ARRAY_DEPTH = 8;
const MIN_KV_BYTES = 8 + 4 + 1; // empty key, type, one-byte value
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8; // empty name, n_dims 0, type, offset

// ignoreBOM: a vocabulary may hold U+FEFF as a token of its own (LLaMA's does), which must survive decoding.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Reads a GGUF file's header: version, metadata and tensor infos. Only the header is read, in 1 MiB chunks.
 * A malformed or truncated file gives a {@link GgufError} naming the byte offset; a missing file gives the
 * file system's own error (ENOENT).
 */
export async function readGguf(path: string, options: ReadGgufOptions = {}): Promise<GgufFile> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    return await parse(new ByteReader(fh, size), path, options);
  } finally {
    await fh.close();
  }
}

async function parse(r: ByteReader, path: string, options: ReadGgufOptions): Promise<GgufFile> {
  if (r.size < 4) throw new GgufError(`file of ${r.size} bytes is too short to be GGUF`, 0);
  await r.fill(Math.min(r.size, 24), "header");
  const magic = r.u32();
  if (magic !== MAGIC) throw new GgufError(`not a GGUF file (magic 0x${magic.toString(16).padStart(8, "0")})`, 0);
  await r.need(4, "version");
  const version = r.u32();
  if (version !== 2 && version !== 3) {
    const reason = version === 1
      ? "GGUF version 1 is not supported (only 2 and 3)"
      : (version & 0xffff) === 0 && version !== 0
      ? "big-endian GGUF is not supported"
      : `unsupported GGUF version ${version}`;
    throw new GgufError(reason, 4);
  }
  const tensorCount = await readCount(r, "tensor count", MIN_TENSOR_INFO_BYTES);
  const kvCount = await readCount(r, "metadata count", MIN_KV_BYTES);

  const metadata: Record<string, GgufValue> = {};
  const metadataTypes: Record<string, GgufType> = {};
  const skippedArrays: Record<string, number> = {};
  let alignmentAt = 0;
  for (let i = 0; i < kvCount; i++) {
    const at = r.pos;
    const key = await readString(r, "metadata key");
    if (Object.hasOwn(metadata, key)) throw new GgufError(`duplicate metadata key '${key}'`, at);
    if (key === "general.alignment") alignmentAt = at;
    const typeAt = r.pos;
    await r.need(4, `type of '${key}'`);
    const typeId = r.u32();
    let value: GgufValue;
    let type: GgufType;
    if (typeId === 9 && options.maxArrayElements !== undefined) {
      const header = await readArrayHeader(r, key, typeAt);
      if (header.count > options.maxArrayElements) {
        await skipArrayBody(r, header, key, 1);
        value = [];
        type = header.elementType === "array" ? "array<array<uint8>>" : `array<${header.elementType}>`;
        set(skippedArrays, key, header.count);
      } else {
        ({ value, type } = await readArrayBody(r, header, key, 1));
      }
    } else {
      ({ value, type } = await readValue(r, typeId, typeAt, key, 0));
    }
    set(metadata, key, value);
    set(metadataTypes, key, type);
  }

  let alignment = DEFAULT_ALIGNMENT;
  if (Object.hasOwn(metadata, "general.alignment")) {
    const value = metadata["general.alignment"];
    if (
      metadataTypes["general.alignment"] !== "uint32" || typeof value !== "number" || value === 0 ||
      (value & (value - 1)) !== 0
    ) {
      throw new GgufError(
        `general.alignment must be a power-of-two uint32, got ${metadataTypes["general.alignment"]} ${value}`,
        alignmentAt,
      );
    }
    alignment = value;
  }

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const at = r.pos;
    const name = await readString(r, "tensor name");
    if (names.has(name)) throw new GgufError(`duplicate tensor name '${name}'`, at);
    names.add(name);
    await r.need(4, `dimension count of tensor '${name}'`);
    const nDims = r.u32();
    if (nDims > MAX_DIMS) {
      throw new GgufError(`tensor '${name}' has ${nDims} dimensions (at most ${MAX_DIMS})`, r.pos - 4);
    }
    await r.need(8 * nDims + 4 + 8, `shape of tensor '${name}'`);
    const shape: number[] = [];
    for (let d = 0; d < nDims; d++) shape.push(safeNumber(r.u64(), `dimension ${d} of tensor '${name}'`, r.pos - 8));
    const type = r.u32();
    if (!GGML_TYPES.has(type)) throw new GgufError(`tensor '${name}' has unknown ggml type ${type}`, r.pos - 4);
    const offset = safeNumber(r.u64(), `offset of tensor '${name}'`, r.pos - 8);
    if (offset % alignment !== 0) {
      throw new GgufError(
        `tensor '${name}' offset ${offset} is not a multiple of the alignment ${alignment}`,
        r.pos - 8,
      );
    }
    let size: number;
    try {
      size = tensorBytes(type, shape);
    } catch (error) {
      throw new GgufError(`tensor '${name}': ${(error as Error).message}`, at);
    }
    tensors.push({ name, type, typeName: ggmlTypeName(type), shape, offset, size });
  }

  const tensorDataOffset = Math.ceil(r.pos / alignment) * alignment;
  for (const t of tensors) {
    const start = tensorDataOffset + t.offset;
    if (start + t.size > r.size) {
      throw new GgufError(
        `tensor '${t.name}' data (${t.size} bytes at ${start}) extends past the end of the file (${r.size} bytes)`,
        Math.min(start, r.size),
      );
    }
  }
  return {
    path,
    version,
    alignment,
    metadata,
    metadataTypes,
    skippedArrays,
    tensors,
    tensorDataOffset,
    fileSize: r.size,
  };
}

// Assigning obj["__proto__"] would change the prototype; a file may name a key that way.
function set<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function safeNumber(value: bigint, what: string, at: number): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufError(`${what} ${value} is too large`, at);
  return Number(value);
}

async function readCount(r: ByteReader, what: string, minBytesEach: number): Promise<number> {
  const at = r.pos;
  await r.need(8, what);
  const count = r.u64();
  if (count * BigInt(minBytesEach) > BigInt(r.remaining)) {
    throw new GgufError(`${what} ${count} cannot fit in the ${r.remaining} bytes left in the file`, at);
  }
  return Number(count);
}

async function readString(r: ByteReader, what: string): Promise<string> {
  const at = r.pos;
  if (!r.has(8)) await r.fill(8, `length of ${what}`);
  const length = r.u64();
  if (length > BigInt(r.remaining) || length > BigInt(MAX_STRING_BYTES)) {
    throw new GgufError(`${what} length ${length} exceeds the ${r.remaining} bytes left in the file`, at);
  }
  const n = Number(length);
  if (!r.has(n)) await r.fill(n, what);
  return utf8.decode(r.bytes(n));
}

/** The next string when its length and bytes are already in the window (and valid), else undefined. */
function bufferedString(r: ByteReader): string | undefined {
  if (!r.has(8)) return undefined;
  const at = r.pos;
  const length = r.u64();
  if (length <= BigInt(MAX_STRING_BYTES) && r.has(Number(length))) return utf8.decode(r.bytes(Number(length)));
  r.pos = at;
  return undefined;
}

interface ArrayHeader {
  elementTypeId: number;
  elementType: GgufScalarType | "array";
  count: number;
  at: number;
}

async function readArrayHeader(r: ByteReader, key: string, at: number): Promise<ArrayHeader> {
  await r.need(12, `array header of '${key}'`);
  const elementTypeId = r.u32();
  const elementType = ggufTypeName(elementTypeId);
  if (elementType === undefined) {
    throw new GgufError(`array '${key}' has unknown element type ${elementTypeId}`, r.pos - 4);
  }
  const count = r.u64();
  const minBytes = elementType === "array" ? 12 : elementType === "string" ? 8 : SCALAR_BYTES[elementType];
  if (count > BigInt(MAX_ARRAY_ELEMENTS) || count * BigInt(minBytes) > BigInt(r.remaining)) {
    throw new GgufError(
      `array '${key}' of ${count} ${elementType} elements cannot fit in the ${r.remaining} bytes left`,
      r.pos - 8,
    );
  }
  return { elementTypeId, elementType, count: Number(count), at };
}

async function readValue(
  r: ByteReader,
  typeId: number,
  at: number,
  key: string,
  depth: number,
): Promise<{ value: GgufValue; type: GgufType }> {
  const type = ggufTypeName(typeId);
  if (type === undefined) throw new GgufError(`metadata '${key}' has unknown value type ${typeId}`, at);
  if (type === "array") return await readArrayBody(r, await readArrayHeader(r, key, at), key, depth + 1);
  if (type === "string") return { value: await readString(r, `value of '${key}'`), type };
  if (!r.has(SCALAR_BYTES[type])) await r.fill(SCALAR_BYTES[type], `value of '${key}'`);
  return { value: readScalar(r, type), type };
}

function readScalar(r: ByteReader, type: Exclude<GgufScalarType, "string">): GgufValue {
  switch (type) {
    case "uint8":
      return r.u8();
    case "int8":
      return r.i8();
    case "uint16":
      return r.u16();
    case "int16":
      return r.i16();
    case "uint32":
      return r.u32();
    case "int32":
      return r.i32();
    case "float32":
      return shortestFloat32(r.f32());
    case "bool":
      return r.u8() !== 0;
    case "uint64":
    case "int64": {
      const v = type === "uint64" ? r.u64() : r.i64();
      return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
    }
    case "float64":
      return r.f64();
  }
}

// A float32 scalar comes out as the shortest decimal that is the same float32 (1e-5, not 0.000009999999747378752),
// which is what Go's JSON writes for Ollama's model_info; writing it back as float32 gives the same bits.
function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return x;
}

async function readArrayBody(
  r: ByteReader,
  h: ArrayHeader,
  key: string,
  depth: number,
): Promise<{ value: GgufValue[]; type: GgufType }> {
  if (depth > MAX_ARRAY_DEPTH) throw new GgufError(`array '${key}' nests deeper than ${MAX_ARRAY_DEPTH} levels`, h.at);
  const out: GgufValue[] = new Array(h.count);
  if (h.elementType === "array") {
    let inner: GgufType = "array<uint8>";
    for (let i = 0; i < h.count; i++) {
      const at = r.pos;
      const item = await readArrayBody(r, await readArrayHeader(r, key, at), key, depth + 1);
      if (i === 0) inner = item.type;
      out[i] = item.value;
    }
    return { value: out, type: `array<${inner}>` };
  }
  if (h.elementType === "string") {
    // A vocabulary is 100k+ short strings: decode the ones already in the window without an await each.
    for (let i = 0; i < h.count; i++) out[i] = bufferedString(r) ?? await readString(r, `element ${i} of '${key}'`);
    return { value: out, type: `array<string>` };
  }
  const type = h.elementType;
  const width = SCALAR_BYTES[type];
  let i = 0;
  while (i < h.count) {
    if (!r.has(width)) await r.fill(width, `element ${i} of '${key}'`);
    const end = Math.min(h.count, i + Math.floor(r.buffered / width));
    if (type === "float32") {
      // Arrays (token scores) keep the exact float32 value: shortening 100k of them would cost more than it helps.
      while (i < end) out[i++] = r.f32();
    } else {
      while (i < end) out[i++] = readScalar(r, type);
    }
  }
  return { value: out, type: `array<${type}>` };
}

async function skipArrayBody(r: ByteReader, h: ArrayHeader, key: string, depth: number): Promise<void> {
  if (depth > MAX_ARRAY_DEPTH) throw new GgufError(`array '${key}' nests deeper than ${MAX_ARRAY_DEPTH} levels`, h.at);
  if (h.elementType === "array") {
    for (let i = 0; i < h.count; i++) await skipArrayBody(r, await readArrayHeader(r, key, r.pos), key, depth + 1);
  } else if (h.elementType === "string") {
    for (let i = 0; i < h.count; i++) {
      const at = r.pos;
      if (!r.has(8)) await r.fill(8, `length of element ${i} of '${key}'`);
      const length = r.u64();
      if (length > BigInt(r.remaining)) {
        throw new GgufError(
          `element ${i} of '${key}' length ${length} exceeds the ${r.remaining} bytes left in the file`,
          at,
        );
      }
      r.skip(Number(length), `element ${i} of '${key}'`);
    }
  } else {
    r.skip(h.count * SCALAR_BYTES[h.elementType], `array '${key}'`);
  }
}
