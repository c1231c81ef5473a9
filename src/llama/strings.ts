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
