/**
 * Byte edits of a GGUF file in memory (little-endian), each on a copy, for tests that need malformed models:
 * ```ts
 * const bad = setU32(bytes, "llama.block_count", 0);
 * view(bad).setUint32(tensorFields(bad, "token_embd.weight").typeAt, 26, true); // F32 → I32
 * ```
 * @module
 */
import assert from "node:assert/strict";

const te = new TextEncoder();

/** Where the GGUF string `text` (its u64 length, then its bytes) starts. */
export function stringAt(bytes: Uint8Array, text: string): number {
  const body = te.encode(text);
  const needle = new Uint8Array(8 + body.length);
  new DataView(needle.buffer).setBigUint64(0, BigInt(body.length), true);
  needle.set(body, 8);
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error(`'${text}' not found`);
}

export const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Sets a uint32 metadata value. */
export function setU32(bytes: Uint8Array, key: string, value: number): Uint8Array {
  const out = bytes.slice();
  const at = stringAt(out, key) + 8 + te.encode(key).length;
  assert.equal(view(out).getUint32(at, true), 4, `${key} is a uint32`);
  view(out).setUint32(at + 4, value, true);
  return out;
}

/** Offsets of a tensor info's type id and data offset. */
export function tensorFields(bytes: Uint8Array, name: string): { typeAt: number; offsetAt: number } {
  const at = stringAt(bytes, name) + 8 + te.encode(name).length;
  const dims = view(bytes).getUint32(at, true);
  const typeAt = at + 4 + 8 * dims;
  return { typeAt, offsetAt: typeAt + 4 };
}

/** Replaces a string by another of the same length (a tensor name, a token). */
export function rename(bytes: Uint8Array, from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const out = bytes.slice();
  out.set(te.encode(to), stringAt(out, from) + 8);
  return out;
}

/** `count` bits flipped among `positions`, from a seeded generator (mulberry32), so a failure can be replayed. */
export function flipBits(bytes: Uint8Array, seed: number, count: number, positions: number[]): Uint8Array {
  const out = bytes.slice();
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < count; i++) out[positions[Math.floor(next() * positions.length)]] ^= 1 << Math.floor(next() * 8);
  return out;
}
