/**
 * The head's side of distributed inference (OLLAMA_RPC_SERVERS): on the main thread, before a model's Worker
 * loads it, the RPC backend is loaded, every worker is checked with a real handshake (ggml would abort the process
 * on one it cannot reach), and the guard that keeps a lost worker from ending the process is installed. A lost
 * worker fails every model that used the workers (they share ggml's one connection per worker); those models are
 * dropped and the next request loads afresh, on new connections.
 * @module
 */
import { config } from "../config.ts";
import { log } from "../log.ts";
import { armRpcGuard, connectionKey, installRpcGuard, type Llama, loadRpcBackend, probeRpcWorker, RpcWorkerError } from "../llama/mod.ts";

/** What a Worker needs to put a model on the workers: the endpoints as written, and as ggml is to see them. */
export interface RpcPlan {
  endpoints: string[];
  keys: string[];
}

/** Bumped by each loss: a new generation connects to the workers under new endpoint keys. */
let generation = 0;
const listeners = new Set<(error: Error) => void>();
let lastEndpoints: string[] = [];

/** Calls `listener` with the error when a worker is lost; returns the unsubscribe function. */
export function onRpcLost(listener: (error: Error) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function lost(message: string): Promise<void> {
  generation++;
  // ggml's message does not say which worker: the one that no longer answers is named
  const down: string[] = [];
  await Promise.all(lastEndpoints.map((e) => probeRpcWorker(e, 2_000).catch(() => down.push(e))));
  const who = down.length ? down.join(", ") : lastEndpoints.join(", ");
  const error = new RpcWorkerError(who, `stopped answering during the request (ggml: ${message.replace(/^.*?: /, "")}); the model is unloaded and loads again on the next request`);
  log.error("RPC worker lost", { workers: who, error: message });
  for (const listener of [...listeners]) listener(error);
}

/**
 * The plan for the next load, or undefined when no workers are configured. Throws RpcUnavailableError (no
 * libggml-rpc) or an RpcWorkerError naming each worker that cannot be used.
 */
export async function prepareRpc(llama: Llama): Promise<RpcPlan | undefined> {
  const endpoints = config.rpcServers();
  if (endpoints.length === 0) return undefined;
  loadRpcBackend(llama);
  if (!installRpcGuard(llama, (message) => void lost(message))) {
    log.warn("this libggml-rpc.so has no tollama guard: a worker lost mid-request ends the server (build it with scripts/build_rpc.mjs)");
  }
  // A worker serves one client connection at a time, and a loaded model holds ggml's: a handshake of ours would
  // wait behind it. While models use these workers (they listen for losses) the connections are known good.
  const sameWorkers = endpoints.length === lastEndpoints.length && endpoints.every((e, i) => e === lastEndpoints[i]);
  if (listeners.size > 0 && sameWorkers) return { endpoints, keys: endpoints.map((e) => connectionKey(e, generation)) };
  const results = await Promise.allSettled(endpoints.map((e) => probeRpcWorker(e)));
  const failed = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
  if (failed.length === 1) throw results.find((r) => r.status === "rejected")!.reason;
  if (failed.length > 1) {
    const error = new RpcWorkerError(endpoints.join(", "), `cannot be used: ${failed.join("; ")}`);
    error.message = error.message.replace(/^RPC worker /, "RPC workers "); // several are named
    throw error;
  }
  lastEndpoints = endpoints;
  armRpcGuard(results.map((r) => (r as PromiseFulfilledResult<{ address: string }>).value.address));
  return { endpoints, keys: endpoints.map((e) => connectionKey(e, generation)) };
}
