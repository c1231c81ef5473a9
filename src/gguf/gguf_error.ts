/** A GGUF file that cannot be read: malformed, truncated, or of an unsupported version. */
export class GgufError extends Error {
  /** The byte offset in the file where the problem was found. */
  readonly offset: number;
  /** The problem without the offset, e.g. "string length 9000 exceeds the 12 bytes left in the file". */
  readonly reason: string;

  constructor(reason: string, offset: number, options?: ErrorOptions) {
    super(`invalid GGUF: ${reason} (at byte offset ${offset})`, options);
    this.name = "GgufError";
    this.offset = offset;
    this.reason = reason;
  }
}
