/**
 * Base of every class that owns a native handle: idempotent `close()`, `[Symbol.dispose]`, `ClosedError` after
 * close, and children closed before their parent.
 * @module
 */
import { ClosedError } from "./errors.ts";

export abstract class NativeHandle implements Disposable {
  #closed = false;
  #children = new Set<NativeHandle>();
  #parent: NativeHandle | undefined;
  readonly #what: string;

  protected constructor(what: string, parent?: NativeHandle) {
    this.#what = what;
    this.#parent = parent;
    if (parent) parent.#children.add(this);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Throws ClosedError when closed; call at the top of every method that touches the handle. */
  protected assertOpen(): void {
    if (this.#closed) throw new ClosedError(this.#what);
  }

  /** Frees the native handle; children first. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    for (const child of [...this.#children]) child.close();
    this.#closed = true;
    if (this.#parent) this.#parent.#children.delete(this);
    this.free();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Releases the native resource exactly once. */
  protected abstract free(): void;
}
