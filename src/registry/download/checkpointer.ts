/**
 * When a download's progress is saved: often enough that a killed process loses little (see below), seldom
 * enough that saving costs nothing next to the transfer.
 * @module
 */
import { type DownloadState, saveStateSync } from "./state.ts";

const MiB = 1 << 20;

/**
 * Saves the state after every `everyBytes` newly written bytes (1/256 of the blob within [64 KiB, 4 MiB]) or
 * after a second, so a kill loses at most the writes in flight plus `everyBytes`. The save is synchronous: an
 * asynchronous one lags behind the parts by however long the thread pool makes it wait, and on a busy machine with
 * 8 fast connections that lag was 10 % of a 300 MiB blob fetched again after a kill (bench/pull.ts).
 */
export class Checkpointer {
  #path: string;
  #state: DownloadState;
  #unsaved = 0;
  #lastSave = Date.now();
  #everyBytes: number;
  #everyMs = 1000;

  constructor(path: string, state: DownloadState) {
    this.#path = path;
    this.#state = state;
    this.#everyBytes = Math.min(4 * MiB, Math.max(64 << 10, Math.floor(state.size / 256)));
  }

  note(bytes: number): void {
    this.#unsaved += bytes;
    if (this.#unsaved >= this.#everyBytes || Date.now() - this.#lastSave >= this.#everyMs) this.#save();
  }

  #save(): void {
    this.#unsaved = 0;
    this.#lastSave = Date.now();
    try {
      saveStateSync(this.#path, this.#state);
    } catch {
      // a failed save (disk full) costs only resume progress: the data file and the sha256 check stay right
    }
  }

  flush(): Promise<void> {
    if (this.#unsaved > 0) this.#save();
    return Promise.resolve();
  }
}
