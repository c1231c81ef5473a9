/**
 * Entry of an inference Worker (spawned by model_host.ts through runtime.spawnWorker). `onmessage` is installed
 * before anything is awaited: a message that arrives while a slow import (dlopen, the Bun shim's compile) is
 * still running would otherwise be lost (ffi-notes, Bun gotchas). Messages wait in a queue until the handler
 * is ready, then run strictly one after another.
 * @module
 */
import type { FromWorker, ToWorker } from "./protocol.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
};
const queue: ToWorker[] = [];
const ready: { handle?: (message: ToWorker, post: (m: FromWorker) => void) => Promise<void> } = {};
let draining = false;

async function drain(): Promise<void> {
  const handle = ready.handle;
  if (draining || !handle) return;
  draining = true;
  try {
    while (queue.length) {
      try {
        await handle(queue.shift()!, (m) => scope.postMessage(m));
      } catch (error) {
        // handleMessage answers every request itself; reaching here is a bug, but must not stop the queue
        console.error("tollama worker:", error);
      }
    }
  } finally {
    draining = false;
  }
}

/** The shared count of messages posted to this worker and not yet received (see protocol.ts). */
let inbox: Int32Array | undefined;

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === "load") inbox = message.inbox;
  else if (inbox) Atomics.sub(inbox, 0, 1);
  queue.push(message);
  void drain();
};

ready.handle = (await import("./worker_main.ts")).handleMessage;
void drain();
