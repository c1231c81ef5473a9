/**
 * Start-up check that our struct layouts match the library: read the default-params bytes libllama returns
 * and compare every field with a known default at the offset we computed. A header/library mismatch shifts
 * fields, and running on shifted structs corrupts memory, so we refuse to run instead.
 * @module
 */
import type { LlamaFfi } from "./ffi/types.ts";
import { type StructName, structLayout } from "./ffi/symbols.ts";

/** The library's struct layouts differ from the ones tollama was written against. */
export class LayoutMismatchError extends Error {
  constructor(readonly mismatches: string[], libraryPath: string) {
    super(
      `libllama at ${libraryPath} does not match tollama's struct layouts (${mismatches.join("; ")}). ` +
        "It is a different llama.cpp version than @node-llama-cpp/linux-x64@3.22.1; point LLAMA_LIB_DIR at a matching build",
    );
    this.name = "LayoutMismatchError";
  }
}

/** Reads a field of a struct image. */
export function readField(bytes: Uint8Array, name: StructName, field: string): number | bigint {
  const layout = structLayout(name);
  const offset = layout.offsets[field];
  const type = layout.fields.find(([f]) => f === field)?.[1];
  if (offset === undefined || type === undefined) throw new TypeError(`${name} has no field ${field}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case "bool":
    case "u8":
      return view.getUint8(offset);
    case "i32":
      return view.getInt32(offset, true);
    case "u32":
      return view.getUint32(offset, true);
    case "f32":
      return view.getFloat32(offset, true);
    default:
      return view.getBigUint64(offset, true);
  }
}

/** Writes a field of a struct image (pointers and size_t as bigint or number). */
export function writeField(bytes: Uint8Array, name: StructName, field: string, value: number | bigint | boolean): void {
  const layout = structLayout(name);
  const offset = layout.offsets[field];
  const type = layout.fields.find(([f]) => f === field)?.[1];
  if (offset === undefined || type === undefined) throw new TypeError(`${name} has no field ${field}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = typeof value === "boolean" ? Number(value) : value;
  switch (type) {
    case "bool":
    case "u8":
      return view.setUint8(offset, Number(n));
    case "i32":
      return view.setInt32(offset, Number(n), true);
    case "u32":
      return view.setUint32(offset, Number(n), true);
    case "f32":
      return view.setFloat32(offset, Number(n), true);
    default:
      return view.setBigUint64(offset, BigInt(n), true);
  }
}

/** Compares the library's default params with the defaults in symbols.ts; throws LayoutMismatchError. */
export function checkLayouts(ffi: LlamaFfi): void {
  const images: Array<[StructName, Uint8Array]> = [
    ["llama_model_params", ffi.fn.llama_model_default_params()],
    ["llama_context_params", ffi.fn.llama_context_default_params()],
    ["llama_sampler_chain_params", ffi.fn.llama_sampler_chain_default_params()],
    ["llama_model_quantize_params", ffi.fn.llama_model_quantize_default_params()],
  ];
  const mismatches: string[] = [];
  for (const [name, bytes] of images) {
    const layout = structLayout(name);
    if (bytes.byteLength !== layout.size) mismatches.push(`${name} is ${bytes.byteLength} bytes, expected ${layout.size}`);
    for (const [field, , expected] of layout.fields) {
      if (expected === undefined) continue;
      const actual = readField(bytes, name, field);
      if (Number(actual) !== expected) mismatches.push(`${name}.${field} = ${actual}, expected ${expected}`);
    }
  }
  if (mismatches.length) throw new LayoutMismatchError(mismatches, ffi.libraryPath);
}
