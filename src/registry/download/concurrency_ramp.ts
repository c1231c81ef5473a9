/**
 * How many connections a download uses when the caller did not fix it. One to start: on a fast link one costs the
 * least CPU (every byte is hashed from memory, in order) and leaves the least data in flight. While the blob arrives
 * slower than `fastEnough`, the connections double every other tick for as long as doubling pays (the rate over
 * the two ticks after a step rises by half or more): that is a CDN capping each connection, which Ollama's
 * registry sits behind. When a step does not pay, the limit is elsewhere (the link, the disk) and the ramp stops.
 * @module
 */

const MiB = 1 << 20;
/** The rate is sampled this often (ms). */
export const RAMP_TICK_MS = 250;
/** Most connections at once. */
export const MAX_CONCURRENCY = 8;
/** Bytes per second above which adding connections is not worth it. */
export const FAST_ENOUGH = 200 * MiB;
/** A step pays when the rate rises by this factor over the best rate before it (doubling a per-connection cap gives about 2; noise in a 500 ms window stays well under 1.5). */
const PAYS = 1.5;

export class ConcurrencyRamp {
  #limit: number;
  #fastEnough: number;
  #ticks = 0;
  #lastRate = 0;
  #best = 0;
  /** The best rate before the step being judged (0: none is). */
  #before = 0;
  /** Windows still to skip after a step (they hold time from before it). */
  #skip = 0;
  /** Windows a step still gets to pay before it is judged a failure (its connections may still be setting up). */
  #patience = 0;
  #stopped = false;

  constructor(limit = MAX_CONCURRENCY, fastEnough = FAST_ENOUGH) {
    this.#limit = limit;
    this.#fastEnough = fastEnough;
  }

  /** Whether the ramp has given up adding connections. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** `rate`: bytes per second over the last tick; `running`: connections now. Returns how many to add. */
  sample(rate: number, running: number): number {
    // Judged over two ticks: bytes land in bursts (whole buffers, whole parts), and one tick can hold a burst.
    const window = (this.#lastRate + rate) / 2;
    this.#lastRate = rate;
    // The first window holds the first connection's set-up.
    if (this.#ticks++ < 2 || this.#stopped) return 0;
    if (this.#skip > 0) {
      this.#skip--;
      return 0;
    }
    if (this.#before > 0) {
      if (window >= this.#before * PAYS) {
        this.#before = 0;
      } else if (this.#patience-- > 0) {
        this.#best = Math.max(this.#best, window);
        return 0;
      } else {
        this.#stopped = true;
        return 0;
      }
    }
    this.#best = Math.max(this.#best, window);
    if (window >= this.#fastEnough || running >= this.#limit) return 0;
    this.#before = this.#best;
    this.#skip = 1;
    this.#patience = 1;
    return Math.min(running, this.#limit - running);
  }
}
