/**
 * Entry of the short-lived Worker that runs one `llama_model_quantize` call (spawned by quantize.ts). The call
 * blocks this thread for the whole quantization, which is why it is not on the main thread. `onmessage` is set
 * before anything is awaited: a message that arrives during a slow import would otherwise be lost on Bun.
 * @module
 */

/** The one request this worker gets. `state` is shared with the main thread (see quantize.ts). */
export interface QuantizeJob {
  input: string;
  output: string;
  ftype: number;
  nthread: number;
  libDir: string;
  debugLevel: number;
  /** [0]: 0 = not started, 1 = libllama is running, 2 = cancelled before it started. */
  state: Int32Array;
}

export type QuantizeReply = { type: "done" } | { type: "cancelled" } | { type: "error"; name: string; message: string };

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<QuantizeJob>) => void) | null;
  postMessage(message: QuantizeReply): void;
};

scope.onmessage = (event) => {
  scope.onmessage = null;
  void run(event.data);
};

async function run(job: QuantizeJob): Promise<void> {
  try {
    const { Llama, quantizeFile } = await import("../llama/mod.ts");
    // The main thread already installed the log callback and loaded the backends for the process.
    const llama = await Llama.open({ libDir: job.libDir, debugLevel: job.debugLevel, processInit: false });
    // Claim the job; a cancel that came first wins, and then libllama never opens the output.
    if (Atomics.compareExchange(job.state, 0, 0, 1) !== 0) {
      scope.postMessage({ type: "cancelled" });
      return;
    }
    quantizeFile(llama, job.input, job.output, { ftype: job.ftype, nthread: job.nthread });
    scope.postMessage({ type: "done" });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    scope.postMessage({ type: "error", name: e.name, message: e.message });
  }
}
