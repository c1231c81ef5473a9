/**
 * Which free slot a new request takes. The slot whose cache shares the longest prefix with the prompt wins, but only
 * where that keeps at least half of what the slot holds: otherwise a short unrelated prompt (sharing just a template
 * header) would evict a long conversation that an empty or least recently used slot could have spared, and that
 * conversation's next turn would be computed again from scratch. llama-server guards the same way with its slot
 * prompt similarity (0.5), falling back to the least recently used slot.
 * @module
 */

/** What the choice reads of a slot. */
export interface SlotState {
  /** Tokens its cache holds. */
  readonly tokens: readonly number[];
  /** Logical time of its last use (smaller: longer ago). */
  readonly lastUsed: number;
}

/** The slot to use among `free` (not empty), given `common(slot)`: the prefix it shares with the prompt. */
export function chooseSlot<S extends SlotState>(free: readonly S[], common: (slot: S) => number): S {
  let best: S | undefined;
  let bestShared = 0;
  for (const slot of free) {
    const shared = common(slot);
    if (shared === 0 || shared * 2 < slot.tokens.length) continue; // would throw away most of its cache
    if (!best || shared > bestShared || (shared === bestShared && slot.lastUsed < best.lastUsed)) {
      [best, bestShared] = [slot, shared];
    }
  }
  if (best) return best;
  // nothing worth keeping is shared: an empty slot, else the one used longest ago
  let fallback = free[0];
  for (const slot of free.slice(1)) {
    const emptier = slot.tokens.length === 0 && fallback.tokens.length > 0;
    const sameKind = (slot.tokens.length === 0) === (fallback.tokens.length === 0);
    if (emptier || (sameKind && slot.lastUsed < fallback.lastUsed)) fallback = slot;
  }
  return fallback;
}
