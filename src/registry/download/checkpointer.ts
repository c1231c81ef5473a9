/**
 * When a download's progress is saved: often enough that a killed process loses little (see below), seldom
 * enough that saving costs nothing next to the transfer.
 * @module
 */
import { type DownloadState, saveState } from "./state.ts";

const MiB = 1 << 20;

/**
 * Saves the state after every `everyBytes` newly written bytes (1/256 of the blob within [64 KiB, 4 MiB]) or
 * after a second, one save at a time, so a kill loses at most the writes in flight plus `everyBytes`.
 */
export class Checkpointer {
  #path: string;
  #state: DownloadState;
  #unsaved = 0;
  #lastSave = Date.now();
  #saving: Promise<void> | undefined;
  #everyBytes: number;
  #everyMs = 1000;

  constructor(path: string, state: DownloadState) {
    this.#path = path;
    this.#state = state;
    this.#everyBytes = Math.min(4 * MiB, Math.max(64 << 10, Math.floor(state.size / 256)));
  }

  note(bytes: number): void {
    this.#unsaved += bytes;
    if (this.#saving) return;
    if (this.#unsaved >= this.#everyBytes || Date.now() - this.#lastSave >= this.#everyMs) this.#save();
  }

  #save(): void {
    this.#unsaved = 0;
    this.#lastSave = Date.now();
    this.#saving = saveState(this.#path, this.#state).catch(() => {}).finally(() => {
      this.#saving = undefined;
      if (this.#unsaved >= this.#everyBytes) this.#save();
    });
  }

  async flush(): Promise<void> {
    while (this.#saving) await this.#saving;
    if (this.#unsaved > 0) {
      this.#unsaved = 0;
      await saveState(this.#path, this.#state).catch(() => {});
    }
  }
}
