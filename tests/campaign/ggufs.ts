/**
 * Malformed GGUFs made from a valid fixture: metadata values libllama trusts (block count 0, 1, 1000, huge; zero
 * heads, zero width), tensor infos that lie (an invalid type, a huge offset, five dimensions, a wrong count),
 * seeded bit flips in the metadata and in the tensor infos, and truncations. Each is bytes in memory; the
 * campaign uploads it as a blob, creates a model from it through the API and then uses it.
 * @module
 */
import { readGguf } from "../../src/gguf/mod.ts";
import type { Prng } from "./prng.ts";

/** One malformed file. */
export interface BadGguf {
  name: string;
  bytes: Uint8Array;
}

const enc = new TextEncoder();

/** Offset of the length-prefixed string `text` in `bytes` (the u64 length's first byte), searching from `from`. */
function findString(bytes: Uint8Array, text: string, from = 0): number {
  const needle = enc.encode(text);
  const prefix = new Uint8Array(8 + needle.length);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(needle.length), true);
  prefix.set(needle, 8);
  outer: for (let i = from; i <= bytes.length - prefix.length; i++) {
    for (let k = 0; k < prefix.length; k++) if (bytes[i + k] !== prefix[k]) continue outer;
    return i;
  }
  throw new RangeError(`'${text}' not found in the GGUF`);
}

/** A copy of `source` with the uint32 metadata value of `key` set to `value`. */
function withU32(source: Uint8Array, key: string, value: number): Uint8Array {
  const bytes = source.slice();
  const at = findString(bytes, key) + 8 + key.length;
  const view = new DataView(bytes.buffer);
  if (view.getUint32(at, true) !== 4) throw new RangeError(`${key} is not a uint32`);
  view.setUint32(at + 4, value >>> 0, true);
  return bytes;
}

/** A copy with one field of tensor `name`'s info changed. */
function withTensor(
  source: Uint8Array,
  from: number,
  name: string,
  change: "type" | "offset" | "dims",
  value: number,
): Uint8Array {
  const bytes = source.slice();
  const view = new DataView(bytes.buffer);
  const at = findString(bytes, name, from) + 8 + name.length;
  const nDims = view.getUint32(at, true);
  if (change === "dims") view.setUint32(at, value, true);
  else if (change === "type") view.setUint32(at + 4 + 8 * nDims, value, true);
  else view.setBigUint64(at + 4 + 8 * nDims + 4, BigInt(value), true);
  return bytes;
}

/** A copy with `count` seeded bit flips in [start, end). */
function withFlips(source: Uint8Array, rng: Prng, start: number, end: number, count = 4): Uint8Array {
  const bytes = source.slice();
  for (let i = 0; i < count; i++) {
    const at = start + rng.int(end - start);
    bytes[at] ^= 1 << rng.int(8);
  }
  return bytes;
}

/** The malformed files made from the GGUF at `path` (a llama-architecture fixture). */
export async function badGgufs(path: string, source: Uint8Array, rng: Prng): Promise<BadGguf[]> {
  const info = await readGguf(path, { maxArrayElements: 16 });
  const headerEnd = info.tensorDataOffset;
  // The tensor infos start at the first tensor's name, after the metadata.
  const first = info.tensors[0].name;
  const tensorsStart = findString(source, first, 0);
  const view = new DataView(source.buffer, source.byteOffset);
  const tensorCount = Number(view.getBigUint64(8, true));
  const out: BadGguf[] = [
    ...[0, 1, 1000, 0xffffffff].map((n) => ({
      name: `block_count ${n}`,
      bytes: withU32(source, "llama.block_count", n),
    })),
    { name: "head_count 0", bytes: withU32(source, "llama.attention.head_count", 0) },
    { name: "head_count_kv 0", bytes: withU32(source, "llama.attention.head_count_kv", 0) },
    { name: "head_count_kv 3", bytes: withU32(source, "llama.attention.head_count_kv", 3) },
    { name: "embedding_length 0", bytes: withU32(source, "llama.embedding_length", 0) },
    { name: "embedding_length 63", bytes: withU32(source, "llama.embedding_length", 63) },
    { name: "context_length 0", bytes: withU32(source, "llama.context_length", 0) },
    { name: "feed_forward_length 0", bytes: withU32(source, "llama.feed_forward_length", 0) },
    { name: "rope.dimension_count 0", bytes: withU32(source, "llama.rope.dimension_count", 0) },
    { name: "vocab_size 5", bytes: withU32(source, "llama.vocab_size", 5) },
    { name: "bos_token_id 4000000000", bytes: withU32(source, "tokenizer.ggml.bos_token_id", 4_000_000_000) },
    { name: "eos_token_id 999999", bytes: withU32(source, "tokenizer.ggml.eos_token_id", 999_999) },
    { name: `${first} type 200`, bytes: withTensor(source, tensorsStart, first, "type", 200) },
    { name: `${first} type Q8_0`, bytes: withTensor(source, tensorsStart, first, "type", 8) },
    { name: `${first} offset 2^40`, bytes: withTensor(source, tensorsStart, first, "offset", 2 ** 40) },
    { name: `${first} offset unaligned`, bytes: withTensor(source, tensorsStart, first, "offset", 3) },
    { name: `${first} 5 dimensions`, bytes: withTensor(source, tensorsStart, first, "dims", 5) },
    {
      name: "blk.1.attn_q.weight type 200",
      bytes: withTensor(source, tensorsStart, "blk.1.attn_q.weight", "type", 200),
    },
    {
      name: "tensor count + 1",
      bytes: (() => {
        const b = source.slice();
        new DataView(b.buffer).setBigUint64(8, BigInt(tensorCount + 1), true);
        return b;
      })(),
    },
    ...[0, 1, 2].map((i) => ({
      name: `4 bit flips in the tensor infos (#${i})`,
      bytes: withFlips(source, rng, tensorsStart, headerEnd),
    })),
    ...[0, 1].map((i) => ({ name: `4 bit flips in the first 1 KiB (#${i})`, bytes: withFlips(source, rng, 8, 1024) })),
    ...[24, Math.floor(headerEnd / 2), headerEnd, Math.floor(source.length / 2), source.length - 1].map((n) => ({
      name: `truncated to ${n} bytes`,
      bytes: source.slice(0, n),
    })),
  ];
  return out;
}
