/** NUL-terminated UTF-8 buffers for C, and reading C output back. */
const encoder = new TextEncoder();

/** `text` as a NUL-terminated UTF-8 buffer. */
export function cstr(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 3 + 1);
  const { written } = encoder.encodeInto(text, bytes);
  return bytes.subarray(0, written + 1);
}

/** `text` as UTF-8 without terminator, and its byte length. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** NUL-terminated UTF-8 strings packed into one buffer of at least 256 bytes (allocated off V8's moving heap). */
export function packCStrings(texts: readonly string[]): { bytes: Uint8Array; offsets: number[] } {
  const encoded = texts.map((t) => cstr(t));
  const total = encoded.reduce((n, e) => n + e.length, 0);
  const bytes = new Uint8Array(Math.max(256, total));
  const offsets: number[] = [];
  let at = 0;
  for (const e of encoded) {
    offsets.push(at);
    bytes.set(e, at);
    at += e.length;
  }
  return { bytes, offsets };
}
