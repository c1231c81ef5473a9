/**
 * Go's standard base64 decoding rules, for the fields Ollama declares as `[]byte` (images): its JSON decoder
 * refuses a value that is not padded standard base64 with `illegal base64 data at input byte N`, before the
 * request is looked at, so a bad image is a 400 however the model would use it.
 * @module
 */

const ALPHABET = /[A-Za-z0-9+/]/;

/** Go's `base64.CorruptInputError` message for `text`, or undefined when StdEncoding decodes it. */
export function base64Error(text: string): string | undefined {
  const corrupt = (at: number) => `illegal base64 data at input byte ${at}`;
  let i = 0;
  // Go's decoder skips CR and LF anywhere.
  const next = () => {
    while (i < text.length && (text[i] === "\r" || text[i] === "\n")) i++;
    return i < text.length ? text[i++] : undefined;
  };
  while (true) {
    for (let j = 0; j < 4; j++) {
      const c = next();
      if (c === undefined) return j === 0 ? undefined : corrupt(i - j);
      if (c === "=") {
        // Padding only ends a quantum: `xx==` or `xxx=`, and nothing but CR/LF may follow it.
        if (j < 2) return corrupt(i - 1);
        if (j === 2) {
          const second = next();
          if (second === undefined) return corrupt(text.length);
          // Go names the byte before the one that should have been the second '='.
          if (second !== "=") return corrupt(i - 2);
        }
        const rest = next();
        return rest === undefined ? undefined : corrupt(i - 1);
      }
      if (!ALPHABET.test(c)) return corrupt(i - 1);
    }
  }
}
