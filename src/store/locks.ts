/**
 * What keeps concurrent store operations from corrupting each other inside one process:
 * - `NameLocks`: one async lock per model name, so create, copy and delete of one name run one after another;
 * - `BlobPins` and `BlobLease`: blobs an operation in flight is about to reference are pinned, and pruning skips
 *   them. Pinning and pruning share a gate: a prune takes the gate for its whole read-manifests-then-remove step,
 *   and a pin is only added while no prune runs, so every blob a prune removes was neither referenced by a manifest
 *   it read nor pinned when it began; whoever pins after it finds the blob gone and writes it again (or fails).
 *
 * Two processes sharing a store take no lock file: Ollama, whose layout this is, takes none either (so a lock file
 * could not exclude it), neither runtime offers flock through node:fs, and the cross-process risk is bounded where
 * it would hurt: a manifest is only written after its blobs are checked present, delete prunes only the deleted
 * model's blobs, and startup cleanup spares unreferenced blobs younger than an hour.
 * @module
 */

/** An async lock per key; `lock(keys)` takes several in sorted order, so two callers cannot deadlock. */
export class NameLocks {
  #tails = new Map<string, Promise<void>>();

  /** Waits until every key is free, holds them, and returns the function that frees them (idempotent). */
  async lock(keys: Iterable<string>): Promise<() => void> {
    const releases: Array<() => void> = [];
    for (const key of [...new Set(keys)].sort()) releases.push(await this.#lockOne(key));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const release of releases.reverse()) release();
    };
  }

  async #lockOne(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.#tails.set(key, tail);
    await previous;
    return () => {
      release();
      // Nobody queued behind this holder: forget the key so the map does not grow with every name ever used.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}

/** Pin counts per digest, and the gate pins and prunes share. */
export class BlobPins {
  #counts = new Map<string, number>();
  #gate = new NameLocks();

  /** Adds one pin per digest, waiting while a prune runs. */
  async pin(digests: readonly string[]): Promise<void> {
    const release = await this.#gate.lock([""]);
    for (const digest of digests) this.#counts.set(digest, (this.#counts.get(digest) ?? 0) + 1);
    release();
  }

  /** Drops one pin per digest (no wait: a prune that saw the pin only kept a blob it may remove next time). */
  unpin(digests: readonly string[]): void {
    for (const digest of digests) {
      const count = (this.#counts.get(digest) ?? 0) - 1;
      if (count > 0) this.#counts.set(digest, count);
      else this.#counts.delete(digest);
    }
  }

  /** Runs `prune` alone against new pins, with the digests pinned as it starts. */
  async exclusive<T>(prune: (pinned: ReadonlySet<string>) => Promise<T>): Promise<T> {
    const release = await this.#gate.lock([""]);
    try {
      return await prune(new Set(this.#counts.keys()));
    } finally {
      release();
    }
  }
}

/**
 * The blobs one operation is about to reference, pinned until `release()` (or `using`): pruning leaves them alone.
 * Pin a blob before checking it is there; release once the manifest that references it has landed.
 */
export class BlobLease implements Disposable {
  #pins: BlobPins;
  #held: string[] = [];

  constructor(pins: BlobPins) {
    this.#pins = pins;
  }

  /** Pins `digests` (normalised `sha256:<hex>`) for the life of this lease. */
  async pin(digests: Iterable<string>): Promise<void> {
    const list = [...digests];
    await this.#pins.pin(list);
    this.#held.push(...list);
  }

  /** Drops every pin of this lease. */
  release(): void {
    this.#pins.unpin(this.#held);
    this.#held = [];
  }

  [Symbol.dispose](): void {
    this.release();
  }
}
