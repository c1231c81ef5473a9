/**
 * Streams model output to the terminal with word wrap: when a word would cross the right margin it is moved to the
 * next line as it is being typed (Ollama's displayResponse behaviour, so output never breaks mid-word).
 * @module
 */

/** Display width of one character: 2 for East Asian wide and emoji, else 1 (what a terminal advances by). */
function charWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd))) {
    return 2;
  }
  return 1;
}

function stringWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return width;
}

export class WrappingWriter {
  #write: (text: string) => void;
  #width: number;
  #wrap: boolean;
  #lineLength = 0;
  #word = "";

  constructor(write: (text: string) => void, options: { width: number; wordWrap: boolean }) {
    this.#write = write;
    this.#width = options.width;
    this.#wrap = options.wordWrap && options.width >= 10;
  }

  /** Writes a streamed piece of text. */
  write(content: string): void {
    if (!this.#wrap) {
      this.#write(content);
      return;
    }
    let out = "";
    for (const ch of content) {
      const w = charWidth(ch);
      if (this.#lineLength + 1 > this.#width - 5) {
        if (stringWidth(this.#word) > this.#width - 10) {
          // A "word" longer than the line cannot be moved: break it where it is.
          out += ch;
          this.#word = "";
          this.#lineLength = 0;
          continue;
        }
        // Erase the partial word from this line and retype it on the next one.
        const back = stringWidth(this.#word);
        if (back > 0) out += `\x1b[${back}D`;
        out += `\x1b[K\n${this.#word}${ch}`;
        this.#lineLength = back + w;
        continue;
      }
      out += ch;
      this.#lineLength += w;
      if (w >= 2) {
        this.#word = "";
      } else if (ch === " " || ch === "\t") {
        this.#word = "";
      } else if (ch === "\n" || ch === "\r") {
        this.#lineLength = 0;
        this.#word = "";
      } else {
        this.#word += ch;
      }
    }
    this.#write(out);
  }

  /** Starts over at the left margin (after the thinking block, for instance). */
  reset(): void {
    this.#lineLength = 0;
    this.#word = "";
  }
}
