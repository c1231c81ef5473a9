/**
 * A `llama_batch` from llama_batch_init: tokens of one or several sequences for one decode. The arrays live in
 * native memory and are filled through typed-array views, so a decode copies nothing.
 * @module
 */
import type { LlamaFfi } from "./ffi/types.ts";
import { NativeHandle } from "./handle.ts";
import { readField } from "./check_layout.ts";

export class Batch extends NativeHandle {
  readonly capacity: number;
  readonly nSeqMax: number;
  /** The struct image passed by value to llama_decode (n_tokens at offset 0 is kept current). */
  readonly bytes: Uint8Array;
  readonly #ffi: LlamaFfi;
  readonly #token: Int32Array;
  readonly #pos: Int32Array;
  readonly #nSeqId: Int32Array;
  readonly #seqIdPointers: BigUint64Array;
  readonly #seqIds: Array<Int32Array | undefined>;
  readonly #logits: Int8Array;
  readonly #header: DataView;
  #n = 0;

  constructor(ffi: LlamaFfi, capacity: number, nSeqMax = 1) {
    super("batch");
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`batch capacity must be ≥ 1, got ${capacity}`);
    this.#ffi = ffi;
    this.capacity = capacity;
    this.nSeqMax = nSeqMax;
    this.bytes = ffi.fn.llama_batch_init(capacity, 0, nSeqMax);
    const at = (field: string, bytes: number) =>
      ffi.view(ffi.pointer(readField(this.bytes, "llama_batch", field) as bigint), bytes);
    this.#token = new Int32Array(at("token", capacity * 4));
    this.#pos = new Int32Array(at("pos", capacity * 4));
    this.#nSeqId = new Int32Array(at("n_seq_id", capacity * 4));
    this.#seqIdPointers = new BigUint64Array(at("seq_id", capacity * 8));
    this.#seqIds = new Array(capacity);
    this.#logits = new Int8Array(at("logits", capacity));
    this.#header = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** Tokens in the batch now. */
  get length(): number {
    return this.#n;
  }

  /** Empties the batch. */
  clear(): void {
    this.#n = 0;
    this.#header.setInt32(0, 0, true);
  }

  /**
   * Appends a token at `pos` for sequence(s) `seq`; `output` asks for its logits/embedding. Returns its index,
   * which is the `i` of `context.logits(i)` after the decode.
   */
  add(token: number, pos: number, seq: number | readonly number[], output: boolean): number {
    const i = this.#n;
    if (i >= this.capacity) throw new RangeError(`batch is full (${this.capacity} tokens)`);
    this.#token[i] = token;
    this.#pos[i] = pos;
    const ids = this.#seqIdsAt(i);
    if (typeof seq === "number") {
      ids[0] = seq;
      this.#nSeqId[i] = 1;
    } else {
      if (seq.length > this.nSeqMax) throw new RangeError(`a token can belong to at most ${this.nSeqMax} sequences`);
      for (let s = 0; s < seq.length; s++) ids[s] = seq[s];
      this.#nSeqId[i] = seq.length;
    }
    this.#logits[i] = output ? 1 : 0;
    this.#n = i + 1;
    this.#header.setInt32(0, this.#n, true);
    return i;
  }

  /** Fills the batch with `tokens` of one sequence from position `pos`; logits for the last one only. */
  fill(tokens: ArrayLike<number>, pos: number, seq = 0, from = 0, count = tokens.length - from): void {
    this.clear();
    const n = Math.min(count, this.capacity);
    for (let k = 0; k < n; k++) this.add(tokens[from + k], pos + k, seq, false);
    if (n > 0) this.#logits[n - 1] = 1;
  }

  /** Sets whether token `i` produces output. */
  setOutput(i: number, output: boolean): void {
    this.#logits[i] = output ? 1 : 0;
  }

  #seqIdsAt(i: number): Int32Array {
    let ids = this.#seqIds[i];
    if (!ids) {
      ids = new Int32Array(this.#ffi.view(this.#ffi.pointer(this.#seqIdPointers[i]), this.nSeqMax * 4));
      this.#seqIds[i] = ids;
    }
    return ids;
  }

  protected free(): void {
    this.#ffi.fn.llama_batch_free(this.bytes);
  }
}
