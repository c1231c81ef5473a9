/**
 * Text-level stop sequences over a token stream: a stop string may span token boundaries, and its text is never
 * emitted. Text that could still become the start of a stop string is held back until it can't.
 * @module
 */

export class StopMatcher {
  readonly #stops: string[];
  #held = "";
  /** The stop string that ended generation (Anthropic's `stop_sequence`); undefined until one does. */
  matched: string | undefined;

  constructor(stops: string[]) {
    this.#stops = stops.filter((s) => s.length > 0);
  }

  /**
   * Adds generated text. Returns the text safe to emit now, and whether a stop string was completed (then the
   * text before it is returned and generation must end).
   */
  push(text: string): { text: string; stopped: boolean } {
    if (this.#stops.length === 0) return { text, stopped: false };
    const buffer = this.#held + text;
    let cut = -1;
    for (const stop of this.#stops) {
      const at = buffer.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) {
        cut = at;
        this.matched = stop;
      }
    }
    if (cut >= 0) {
      this.#held = "";
      return { text: buffer.slice(0, cut), stopped: true };
    }
    const keep = this.#partialSuffix(buffer);
    this.#held = buffer.slice(buffer.length - keep);
    return { text: buffer.slice(0, buffer.length - keep), stopped: false };
  }

  /** The held-back text, when generation ends without a stop. */
  flush(): string {
    const rest = this.#held;
    this.#held = "";
    return rest;
  }

  /** Length of the longest suffix of `buffer` that is a proper prefix of some stop string. */
  #partialSuffix(buffer: string): number {
    let best = 0;
    // A request may send thousands of stop strings, and this runs for every token: compare the last character
    // before building a prefix (100,000 stops: 32 ms a token with a slice per candidate length, 10 ms with this).
    const last = buffer.charCodeAt(buffer.length - 1);
    for (const stop of this.#stops) {
      const max = Math.min(stop.length - 1, buffer.length);
      for (let n = max; n > best; n--) {
        if (stop.charCodeAt(n - 1) === last && buffer.endsWith(stop.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
