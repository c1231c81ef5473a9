/**
 * GGUF metadata values and their on-disk types (`enum gguf_type` in ggml/include/gguf.h).
 * @module
 */

/**
 * A metadata value as tollama hands it out. 64-bit integers are JS numbers when they fit in 2^53 (every value a real
 * model carries: counts, token ids, file types) and bigints only past that, so callers can do arithmetic and
 * `JSON.stringify` without caring; the exact on-disk type is kept in `GgufFile.metadataTypes`.
 */
export type GgufValue = string | number | bigint | boolean | GgufValue[];

/** A scalar GGUF type by name. */
export type GgufScalarType =
  | "uint8"
  | "int8"
  | "uint16"
  | "int16"
  | "uint32"
  | "int32"
  | "float32"
  | "bool"
  | "string"
  | "uint64"
  | "int64"
  | "float64";

/** A GGUF type by name: a scalar, or `array<T>` with T any type (arrays may nest: `array<array<string>>`). */
export type GgufType = GgufScalarType | `array<${string}>`;

/** A value with the type to write it as, for the writer where the JS value alone is ambiguous. */
export interface GgufTypedValue {
  readonly type: GgufType;
  readonly value: GgufValue;
}

/** The id of each type in the file format. */
export const GGUF_TYPE_ID = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

const NAME_BY_ID: ReadonlyArray<GgufScalarType | "array"> = [
  "uint8",
  "int8",
  "uint16",
  "int16",
  "uint32",
  "int32",
  "float32",
  "bool",
  "string",
  "array",
  "uint64",
  "int64",
  "float64",
];

/** The name of a type id, or undefined for an id the format lacks. */
export function ggufTypeName(id: number): GgufScalarType | "array" | undefined {
  return NAME_BY_ID[id];
}

/** Bytes one value of a fixed-size scalar type takes; 0 for string (variable). */
export const SCALAR_BYTES: Readonly<Record<GgufScalarType, number>> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  bool: 1,
  string: 0,
  uint64: 8,
  int64: 8,
  float64: 8,
};

/** The element type of `array<T>`, or undefined when `type` is a scalar. */
export function arrayElementType(type: GgufType): GgufType | undefined {
  return type.startsWith("array<") && type.endsWith(">") ? type.slice(6, -1) as GgufType : undefined;
}

/** True when `type` names a real GGUF type (a scalar, or arrays of one, to any depth). */
export function isGgufType(type: string): type is GgufType {
  let t = type;
  while (t.startsWith("array<") && t.endsWith(">")) t = t.slice(6, -1);
  return Object.hasOwn(SCALAR_BYTES, t);
}
