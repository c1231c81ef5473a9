/**
 * Quantizing a model layer for `/api/create`'s `quantize`: libllama's `llama_model_quantize` runs in a
 * short-lived Worker (it blocks its thread for seconds to minutes), writing a temp file in the store's blob
 * directory that is hashed and renamed into place once complete. libllama has no progress callback, so progress
 * is the output file's size against the size the tensor infos predict. Aborting removes the temp file at once
 * and ends the Worker as soon as libllama returns (it cannot be interrupted; see finishInBackground).
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { rename, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { config } from "../config.ts";
import { GGML_TYPE, GGML_TYPES, type GgufFile, tensorBytes } from "../gguf/mod.ts";
import { defaultThreadCount, Llama, LLAMA_FTYPE, QuantizeError, watchLog } from "../llama/mod.ts";
import { runtime } from "../runtime/mod.ts";
import type { Store } from "../store/mod.ts";
import type { QuantizeJob, QuantizeReply } from "./quantize_worker.ts";

/** The quantization names create accepts, upper-cased ("Q4_K_M"), in the order they are listed to users. */
export const QUANTIZE_NAMES: readonly string[] = Object.keys(LLAMA_FTYPE);

/** The canonical name of a requested quantization ("q4_k_m" → "Q4_K_M", "q4_K" → "Q4_K_M"), or undefined. */
export function quantizeTypeName(asked: string): string | undefined {
  const upper = asked.toUpperCase();
  if (!Object.hasOwn(LLAMA_FTYPE, upper)) return undefined;
  return ({ Q3_K: "Q3_K_M", Q4_K: "Q4_K_M", Q5_K: "Q5_K_M" } as Record<string, string>)[upper] ?? upper;
}

export interface QuantizeOptions {
  /** A name from {@link QUANTIZE_NAMES}. */
  type: string;
  /** The input's GGUF header, for the size estimate behind progress (read from `input` when absent). */
  gguf?: GgufFile;
  /** Threads (default: the physical cores). */
  nthread?: number;
  /** Bytes written so far against the bytes expected; called every `pollMs` and once at the end. */
  onProgress?: (written: number, expected: number) => void;
  pollMs?: number;
  signal?: AbortSignal;
}

/** The ggml type most 2-D weights get under a quantization (llama.cpp's default type of each ftype). */
const BASE_TYPE: Record<string, number> = {
  F32: GGML_TYPE.F32,
  F16: GGML_TYPE.F16,
  BF16: GGML_TYPE.BF16,
  Q4_0: GGML_TYPE.Q4_0,
  Q4_1: GGML_TYPE.Q4_1,
  Q5_0: GGML_TYPE.Q5_0,
  Q5_1: GGML_TYPE.Q5_1,
  Q8_0: GGML_TYPE.Q8_0,
  Q2_K: GGML_TYPE.Q2_K,
  Q3_K_S: GGML_TYPE.Q3_K,
  Q3_K_M: GGML_TYPE.Q3_K,
  Q3_K_L: GGML_TYPE.Q3_K,
  Q4_K_S: GGML_TYPE.Q4_K,
  Q4_K_M: GGML_TYPE.Q4_K,
  Q5_K_S: GGML_TYPE.Q5_K,
  Q5_K_M: GGML_TYPE.Q5_K,
  Q6_K: GGML_TYPE.Q6_K,
};

/** llama.cpp's tensor_type_fallback for a row length that is not a whole number of 256-blocks. */
const FALLBACK: Record<number, number> = {
  [GGML_TYPE.Q2_K]: GGML_TYPE.Q4_0,
  [GGML_TYPE.Q3_K]: GGML_TYPE.Q4_0,
  [GGML_TYPE.Q4_K]: GGML_TYPE.Q5_0,
  [GGML_TYPE.Q5_K]: GGML_TYPE.Q5_1,
  [GGML_TYPE.Q6_K]: GGML_TYPE.Q8_0,
};

/**
 * About how big the quantized file will be: the header as it is now, 1-D tensors kept, 2-D weights at the
 * quantization's base type (Q6_K for `output.weight` under K-quants; llama.cpp's fallback type where the row
 * length does not fit the block). The `_M`/`_L` mixes give a few tensors more bits, so this is a floor,
 * good for a progress bar, not for allocation.
 */
export function estimateQuantizedSize(gguf: GgufFile, type: string): number {
  const base = BASE_TYPE[quantizeTypeName(type) ?? type] ?? GGML_TYPE.Q8_0;
  const kQuant = (GGML_TYPES.get(base)?.blockSize ?? 1) === 256;
  let total = gguf.tensorDataOffset;
  for (const tensor of gguf.tensors) {
    let target = tensor.type;
    if (tensor.shape.length >= 2 && tensor.name.endsWith(".weight")) {
      target = kQuant && tensor.name === "output.weight" ? GGML_TYPE.Q6_K : base;
      if (tensor.shape[0] % (GGML_TYPES.get(target)?.blockSize ?? 1) !== 0) target = FALLBACK[target] ?? GGML_TYPE.F16;
      if (tensor.shape[0] % (GGML_TYPES.get(target)?.blockSize ?? 1) !== 0) target = GGML_TYPE.F16;
    }
    let bytes: number;
    try {
      bytes = tensorBytes(target, tensor.shape);
    } catch {
      bytes = tensor.size;
    }
    total += Math.ceil(bytes / gguf.alignment) * gguf.alignment;
  }
  return total;
}

/**
 * Quantizes the GGUF file `input` to `output` in a Worker. Rejects with QuantizeError (libllama's reason) on
 * failure and with the signal's reason on abort; in both cases `output` is removed.
 */
export async function quantizeGguf(input: string, output: string, options: QuantizeOptions): Promise<void> {
  const name = quantizeTypeName(options.type);
  if (name === undefined) throw new RangeError(`unknown quantization type ${options.type}`);
  const signal = options.signal;
  signal?.throwIfAborted();
  // Once per process, on this thread: log callback, backends, layout check. The worker reuses them.
  const llama = await Llama.open({
    libDir: config.llamaLibDir(),
    execPath: runtime.compiled ? runtime.execPath() : undefined,
    debugLevel: config.debugLevel(),
  });
  const expected = options.gguf ? estimateQuantizedSize(options.gguf, name) : 0;
  const state = new Int32Array(new SharedArrayBuffer(4));
  const job: QuantizeJob = {
    input,
    output,
    ftype: LLAMA_FTYPE[name],
    nthread: options.nthread ?? defaultThreadCount(),
    libDir: llama.libDir,
    debugLevel: config.debugLevel(),
    state,
  };
  const reasons: string[] = [];
  const stopWatching = watchLog((line) => {
    const match = /failed to quantize: (.*)$/.exec(line);
    if (match) reasons.push(match[1].trim());
  });
  const worker = runtime.spawnWorker(new URL("./quantize_worker.ts", import.meta.url), {
    name: `tollama quantize ${output}`,
    entry: "src/modelfile/quantize_worker.ts",
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  let onAbort: (() => void) | undefined;
  let settled = false;
  let keepWorker = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let polling = false;
      timer = setInterval(async () => {
        if (polling || !options.onProgress) return;
        polling = true;
        const size = await stat(output).then((s) => s.size, () => 0);
        polling = false;
        if (!settled) options.onProgress(size, Math.max(expected, size));
      }, options.pollMs ?? 250);
      onAbort = () => reject(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      worker.onmessage = (event: MessageEvent<QuantizeReply>) => {
        const reply = event.data;
        if (reply.type === "done") resolve();
        else if (reply.type === "cancelled") reject(signal?.reason ?? new Error("quantization cancelled"));
        else reject(Object.assign(new Error(reply.message), { name: reply.name }));
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault?.();
        reject(new QuantizeError(input, `the worker failed: ${event.message}`));
      };
      worker.postMessage(job);
    }).finally(() => settled = true);
    const size = (await stat(output)).size;
    options.onProgress?.(size, size);
  } catch (error) {
    const running = Atomics.compareExchange(state, 0, 0, 2) !== 0;
    if (running && signal?.aborted) {
      keepWorker = true;
      finishInBackground(worker, output);
    }
    await rm(output, { force: true });
    if (error instanceof Error && error.name === "QuantizeError") {
      // libllama's reason arrives through the log callback, which may trail the worker's reply by a moment.
      if (reasons.length === 0) await new Promise((r) => setTimeout(r, 50));
      throw new QuantizeError(input, reasons.at(-1));
    }
    throw error;
  } finally {
    if (!keepWorker) worker.terminate();
    clearInterval(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    stopWatching();
  }
}

/**
 * libllama cannot be interrupted, and the Worker must not be terminated while it runs: its isolate owns the params
 * and path buffers libllama keeps reading, and freeing them under it crashes the process. So an aborted job
 * finishes in the background. The output was removed already, so libllama writes to an unlinked file that vanishes
 * when it closes it; should libllama not have opened it yet at that point, it is removed again once the call returns.
 * Then the Worker is terminated.
 */
function finishInBackground(worker: Worker, output: string): void {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = () => {
      void rm(output, { force: true }).finally(() => {
        worker.terminate();
        background.delete(done);
        resolve();
      });
    };
  });
  background.add(done);
  worker.onmessage = finish;
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault?.();
    finish();
  };
}

const background = new Set<Promise<void>>();

/**
 * Resolves once every aborted quantization has returned from libllama. Wait for it before tearing down what
 * libllama calls back into (the log callback's isolate): a test file's end, or a clean shutdown.
 */
export async function quantizationsSettled(): Promise<void> {
  while (background.size > 0) await Promise.all(background);
}

/** A blob written by {@link quantizeToBlob}. */
export interface QuantizedBlob {
  digest: string;
  size: number;
  created: boolean;
}

/**
 * Quantizes `input` into the store: a temp file in the blob directory (startup cleanup removes an abandoned
 * one), hashed in one streaming read, then renamed to its digest (or dropped when that blob already exists).
 */
export async function quantizeToBlob(store: Store, input: string, options: QuantizeOptions): Promise<QuantizedBlob> {
  const temp = join(store.blobsDir, `.tmp-quantize-${randomBytes(8).toString("hex")}`);
  await quantizeGguf(input, temp, options);
  try {
    options.signal?.throwIfAborted();
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of createReadStream(temp, { highWaterMark: 1 << 22 })) {
      hash.update(chunk as Uint8Array);
      size += (chunk as Uint8Array).byteLength;
    }
    const digest = `sha256:${hash.digest("hex")}`;
    const final = store.blobPath(digest);
    if (await store.hasBlob(digest)) {
      await rm(temp, { force: true });
      const now = new Date();
      await utimes(final, now, now).catch(() => {});
      return { digest, size, created: false };
    }
    await rename(temp, final);
    return { digest, size, created: true };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
