/**
 * The responses kept for `previous_response_id` and `GET /v1/responses/{id}`: in memory, bounded by a count, a
 * size (the JSON of each entry) and an age. The oldest entries go first when a bound is passed; expired ones are
 * dropped when seen and whenever an entry is added. Nothing survives a restart, as Ollama keeps no state either.
 * @module
 */
import type { Message } from "../../schemas.ts";

/** One kept response: the object GET answers, and the conversation a follow-up continues. */
export interface StoredResponse {
  /** The response object as it was answered. */
  response: Record<string, unknown> & { id: string };
  /** The conversation through this response's output (instructions excluded: they are not carried over). */
  messages: Message[];
}

export interface ResponseStoreLimits {
  maxCount: () => number;
  maxBytes: () => number;
  ttlMs: () => number;
  now?: () => number;
}

interface Entry {
  value: StoredResponse;
  bytes: number;
  expiresAt: number;
}

/** A bounded, expiring map from response id to its stored response. */
export class ResponseStore {
  // insertion order is age order: Map iterates oldest first
  #entries = new Map<string, Entry>();
  #bytes = 0;
  #limits: ResponseStoreLimits;

  constructor(limits: ResponseStoreLimits) {
    this.#limits = limits;
  }

  #now(): number {
    return (this.#limits.now ?? Date.now)();
  }

  /** Entries held now (expired ones dropped first). */
  get size(): number {
    this.#expire();
    return this.#entries.size;
  }

  /** Bytes held now. */
  get bytes(): number {
    this.#expire();
    return this.#bytes;
  }

  /** Keeps a response; one larger than the whole budget is not kept (false). */
  put(value: StoredResponse): boolean {
    const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
    this.delete(value.response.id);
    const maxBytes = this.#limits.maxBytes();
    const maxCount = this.#limits.maxCount();
    if (bytes > maxBytes || maxCount === 0) return false;
    this.#expire();
    for (const [id] of this.#entries) {
      if (this.#entries.size < maxCount && this.#bytes + bytes <= maxBytes) break;
      this.delete(id);
    }
    this.#entries.set(value.response.id, { value, bytes, expiresAt: this.#now() + this.#limits.ttlMs() });
    this.#bytes += bytes;
    return true;
  }

  /** The kept response, or undefined when unknown or expired. */
  get(id: string): StoredResponse | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.delete(id);
      return undefined;
    }
    return entry.value;
  }

  /** Forgets a response; false when it was not kept. */
  delete(id: string): boolean {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
    return true;
  }

  #expire(): void {
    const now = this.#now();
    // entries expire in insertion order (one ttl for all), so the first live one ends the scan
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.delete(id);
    }
  }
}
