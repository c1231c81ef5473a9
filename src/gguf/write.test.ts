import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, open, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decodeF16,
  dequantizeQ8_0,
  encodeF16,
  encodeF32,
  GGML_TYPE,
  type GgufTypedValue,
  type GgufValue,
  quantizeQ8_0,
  readGguf,
  writeGguf,
} from "./mod.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "gguf-write-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("writeGguf() then readGguf() round-trips every value type and tensor data", () =>
  withDir(async (dir) => {
    const path = join(dir, "all.gguf");
    const metadata: Record<string, GgufValue | GgufTypedValue> = {
      "general.architecture": "llama",
      "u8": { type: "uint8", value: 255 },
      "i8": { type: "int8", value: -128 },
      "u16": { type: "uint16", value: 65535 },
      "i16": { type: "int16", value: -32768 },
      "u32": 4294967295,
      "i32": -2147483648,
      "f32": 0.1,
      "bool": true,
      "str": "naïve 🤖 ✓",
      "empty": "",
      "u64.small": { type: "uint64", value: 7 },
      "u64.big": 18446744073709551615n,
      "i64": -9007199254740993n,
      "f64": { type: "float64", value: Math.PI },
      "arr.str": ["a", "", "ü"],
      "arr.i32": [1, -2, 3],
      "arr.f32": [0.5, -1.25, 3],
      "arr.bool": [true, false],
      "arr.u8": { type: "array<uint8>", value: [0, 1, 255] },
      "arr.empty": { type: "array<string>", value: [] },
      "arr.nested": [["x", "y"], ["z"]],
      "arr.nested.num": { type: "array<array<uint16>>", value: [[1, 2], [], [3]] },
      "__proto__": "a key no object should take as its prototype",
    };
    const f32 = new Float32Array([1, -2, 0.5, 3.25]);
    const f16 = new Float32Array(64).map((_, i) => (i - 32) / 8);
    const q8 = new Float32Array(64).map((_, i) => Math.sin(i));
    const result = await writeGguf(path, {
      metadata,
      tensors: [
        { name: "a", type: GGML_TYPE.F32, shape: [4], data: encodeF32(f32) },
        { name: "b", type: GGML_TYPE.F16, shape: [16, 4], data: () => encodeF16(f16) },
        { name: "c", type: GGML_TYPE.Q8_0, shape: [32, 2], data: () => Promise.resolve(quantizeQ8_0(q8)) },
      ],
    });
    const gguf = await readGguf(path);
    assert.equal(result.size, gguf.fileSize);
    assert.equal(result.tensorDataOffset, gguf.tensorDataOffset);
    assert.equal(gguf.version, 3);
    assert.deepEqual(Object.keys(gguf.metadata), Object.keys(metadata));
    assert.equal(Object.getPrototypeOf(gguf.metadata), Object.prototype);
    assert.equal(gguf.metadata["__proto__"], metadata["__proto__"]);
    const expected: Record<string, [string, GgufValue]> = {
      "u8": ["uint8", 255],
      "i8": ["int8", -128],
      "u16": ["uint16", 65535],
      "i16": ["int16", -32768],
      "u32": ["uint32", 4294967295],
      "i32": ["int32", -2147483648],
      "f32": ["float32", 0.1],
      "bool": ["bool", true],
      "str": ["string", "naïve 🤖 ✓"],
      "empty": ["string", ""],
      "u64.small": ["uint64", 7],
      "u64.big": ["uint64", 18446744073709551615n],
      "i64": ["int64", -9007199254740993n],
      "f64": ["float64", Math.PI],
      "arr.str": ["array<string>", ["a", "", "ü"]],
      "arr.i32": ["array<int32>", [1, -2, 3]],
      "arr.f32": ["array<float32>", [0.5, -1.25, 3]],
      "arr.bool": ["array<bool>", [true, false]],
      "arr.u8": ["array<uint8>", [0, 1, 255]],
      "arr.empty": ["array<string>", []],
      "arr.nested": ["array<array<string>>", [["x", "y"], ["z"]]],
      "arr.nested.num": ["array<array<uint16>>", [[1, 2], [], [3]]],
    };
    for (const [key, [type, value]] of Object.entries(expected)) {
      assert.equal(gguf.metadataTypes[key], type, key);
      assert.deepEqual(gguf.metadata[key], value, key);
    }

    assert.deepEqual(gguf.tensors.map((t) => [t.name, t.typeName, t.shape, t.size]), [
      ["a", "F32", [4], 16],
      ["b", "F16", [16, 4], 128],
      ["c", "Q8_0", [32, 2], 68],
    ]);
    const bytes = await readFile(path);
    const data = (name: string) => {
      const t = gguf.tensors.find((t) => t.name === name)!;
      assert.equal(t.offset % 32, 0);
      return new Uint8Array(
        bytes.subarray(gguf.tensorDataOffset + t.offset, gguf.tensorDataOffset + t.offset + t.size),
      );
    };
    assert.deepEqual(new Float32Array(data("a").buffer), f32);
    assert.deepEqual(decodeF16(data("b")), f16); // eighths are exact in half precision
    const back = dequantizeQ8_0(data("c"));
    for (let i = 0; i < 64; i++) assert.ok(Math.abs(back[i] - q8[i]) <= 1 / 127, `q8[${i}]`);
  }));

test("writeGguf() honours general.alignment", () =>
  withDir(async (dir) => {
    const path = join(dir, "aligned.gguf");
    await writeGguf(path, {
      metadata: { "general.alignment": 64 },
      tensors: [
        { name: "x", type: GGML_TYPE.F32, shape: [3], data: encodeF32(new Float32Array(3)) },
        { name: "y", type: GGML_TYPE.F32, shape: [5], data: encodeF32(new Float32Array(5)) },
      ],
    });
    const gguf = await readGguf(path);
    assert.equal(gguf.alignment, 64);
    assert.equal(gguf.tensorDataOffset % 64, 0);
    assert.deepEqual(gguf.tensors.map((t) => t.offset), [0, 64]);
  }));

const reference = "/work/shared/models/tiny-spm.gguf";
test(
  "writeGguf() reproduces a file from llama.cpp's Python writer byte for byte",
  { skip: existsSync(reference) ? false : `${reference} is absent` },
  () =>
    withDir(async (dir) => {
      const source = await readGguf(reference);
      const fh = await open(reference, "r");
      const path = join(dir, "copy.gguf");
      try {
        await writeGguf(path, {
          metadata: Object.fromEntries(
            Object.keys(source.metadata).map((k) => [k, { type: source.metadataTypes[k], value: source.metadata[k] }]),
          ),
          tensors: source.tensors.map((t) => ({
            name: t.name,
            type: t.type,
            shape: t.shape,
            data: async () => {
              const buf = new Uint8Array(t.size);
              await fh.read(buf, 0, t.size, source.tensorDataOffset + t.offset);
              return buf;
            },
          })),
        });
      } finally {
        await fh.close();
      }
      const [a, b] = await Promise.all([readFile(reference), readFile(path)]);
      assert.equal(b.length, a.length);
      assert.ok(a.equals(b), "bytes differ");
    }),
);

test("writeGguf() rejects bad input and leaves no file behind", () =>
  withDir(async (dir) => {
    const path = join(dir, "bad.gguf");
    const tensor = { name: "t", type: GGML_TYPE.F32, shape: [2], data: encodeF32(new Float32Array(2)) };
    const cases: Array<[string, Parameters<typeof writeGguf>[1], RegExp]> = [
      ["empty array", { metadata: { a: [] } }, /empty array/],
      ["mixed array", { metadata: { a: [1, "x"] as unknown as GgufValue } }, /mixes/],
      ["unknown type", { metadata: { a: { type: "uint7" as "uint8", value: 1 } } }, /unknown type/],
      ["out of range", { metadata: { a: { type: "uint8", value: 256 } } }, /out of range/],
      ["not an integer", { metadata: { a: { type: "int32", value: 1.5 } } }, /needs an integer/],
      ["wrong kind", { metadata: { a: { type: "string", value: 1 } } }, /needs a string/],
      ["bad alignment", { metadata: { "general.alignment": 48 } }, /power-of-two/],
      ["duplicate tensor", { metadata: {}, tensors: [tensor, tensor] }, /Duplicate tensor/],
      ["long name", { metadata: {}, tensors: [{ ...tensor, name: "n".repeat(64) }] }, /1 to 63 bytes/],
      [
        "bad block",
        { metadata: {}, tensors: [{ ...tensor, type: GGML_TYPE.Q8_0, shape: [16] }] },
        /multiple of the Q8_0 block/,
      ],
      ["short data", { metadata: {}, tensors: [{ ...tensor, shape: [3] }] }, /8 bytes, expected 12/],
      ["late failure", {
        metadata: {},
        tensors: [tensor, {
          ...tensor,
          name: "u",
          data: () => new Uint8Array(1),
        }],
      }, /1 bytes, expected 8/],
    ];
    for (const [name, options, message] of cases) {
      await assert.rejects(writeGguf(path, options), message, name);
    }
    assert.deepEqual(await readdir(dir), []);
  }));
