/** A growable little-endian byte buffer for building a GGUF header in memory. */
export class ByteWriter {
  #buf = new Uint8Array(1 << 16);
  #view = new DataView(this.#buf.buffer);
  #len = 0;
  static #utf8 = new TextEncoder();

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  // Callers must take the offset from #room before touching #buf or #view: #room may replace both.
  #room(n: number): number {
    const at = this.#len;
    if (at + n > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#buf.length * 2, at + n));
      grown.set(this.#buf.subarray(0, at));
      this.#buf = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#len += n;
    return at;
  }

  u8(v: number): void {
    const at = this.#room(1);
    this.#view.setUint8(at, v);
  }
  i8(v: number): void {
    const at = this.#room(1);
    this.#view.setInt8(at, v);
  }
  u16(v: number): void {
    const at = this.#room(2);
    this.#view.setUint16(at, v, true);
  }
  i16(v: number): void {
    const at = this.#room(2);
    this.#view.setInt16(at, v, true);
  }
  u32(v: number): void {
    const at = this.#room(4);
    this.#view.setUint32(at, v, true);
  }
  i32(v: number): void {
    const at = this.#room(4);
    this.#view.setInt32(at, v, true);
  }
  f32(v: number): void {
    const at = this.#room(4);
    this.#view.setFloat32(at, v, true);
  }
  u64(v: bigint): void {
    const at = this.#room(8);
    this.#view.setBigUint64(at, v, true);
  }
  i64(v: bigint): void {
    const at = this.#room(8);
    this.#view.setBigInt64(at, v, true);
  }
  f64(v: number): void {
    const at = this.#room(8);
    this.#view.setFloat64(at, v, true);
  }

  /** A GGUF string: uint64 byte length, then UTF-8 bytes (no terminator). */
  string(s: string): void {
    const lengthAt = this.#room(8);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; write in place, then fix the length and give back the slack.
    const at = this.#room(s.length * 3);
    const { written } = ByteWriter.#utf8.encodeInto(s, this.#buf.subarray(at));
    this.#len = at + written;
    this.#view.setBigUint64(lengthAt, BigInt(written), true);
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    const n = (alignment - (this.#len % alignment)) % alignment;
    const at = this.#room(n);
    this.#buf.fill(0, at, at + n);
  }

  /** The bytes written (a view; valid until the next write). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
}
