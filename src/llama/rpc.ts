/**
 * ggml's RPC backend through FFI: serve this machine's CPU backend to other machines (`serveRpc`, what
 * `tollama rpc` runs), and use remote workers as devices of a model (`rpcDevices` → Model.load's `devices`).
 * libggml-rpc.so is not part of the prebuilt libraries: scripts/build_rpc.mjs compiles it at install from the same
 * llama.cpp release. ggml aborts the process when a worker cannot be reached, so workers are checked with a
 * real handshake (`probeRpcWorker`) before ggml is given them, and `installRpcGuard` turns a connection that
 * fails later into a call back instead of the end of the process (scripts/rpc_guard.cpp).
 * @module
 */
import { existsSync } from "node:fs";
import { createConnection } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Llama } from "./backend.ts";
import type { NativeCallback, Pointer, RpcGuard } from "./ffi/types.ts";
import { cstr } from "./strings.ts";

/** The RPC backend library is not there (no C++ compiler at install, or a lib dir without it). */
export class RpcUnavailableError extends Error {
  constructor(readonly searched: string[]) {
    super(
      `ggml's RPC backend (libggml-rpc.so) is not built; looked in: ${searched.join(", ")}. ` +
        "It is compiled at install with a C++ compiler: install g++, then run `node scripts/build_rpc.mjs`",
    );
    this.name = "RpcUnavailableError";
  }
}

/** An RPC worker that cannot be used or stopped answering; the message names it. */
export class RpcWorkerError extends Error {
  constructor(readonly endpoint: string, reason: string) {
    super(`RPC worker ${endpoint} ${reason}`);
    this.name = "RpcWorkerError";
  }
}

/** ggml's RPC protocol version this release speaks (ggml-rpc.h RPC_PROTO_MAJOR_VERSION). */
const RPC_PROTO_MAJOR = 7;
/** The port `rpc-server` and `tollama rpc` listen on by default. */
export const RPC_DEFAULT_PORT = 50052;

/** `host:port` split and checked the way ggml's client will read it (IPv4 or a host name, a port 1..65535). */
export function parseEndpoint(endpoint: string): { host: string; port: number } {
  const match = /^([^:\s]+):(\d{1,5})$/.exec(endpoint.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new RpcWorkerError(endpoint, "is not a valid address: write host:port (e.g. 192.168.1.20:50052)");
  }
  return { host: match[1], port };
}

/**
 * Where libggml-rpc.so may be: beside the libllama in use (`rpc/`, where build_rpc.mjs links it into lib/, or the
 * folder itself, for a llama.cpp build with GGML_RPC=ON), then the repository's lib/rpc/ (libllama found in the npm
 * package's folder instead of lib/).
 */
export function rpcLibraryCandidates(libDir: string): string[] {
  const repoLib = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "lib", "rpc", "libggml-rpc.so");
  const candidates = [join(libDir, "rpc", "libggml-rpc.so"), join(libDir, "libggml-rpc.so"), repoLib];
  return [...new Set(candidates)];
}

/** Loads the RPC backend into the process once (any thread); returns the file. Throws RpcUnavailableError. */
export function loadRpcBackend(llama: Llama): string {
  const { fn } = llama.ffi;
  const candidates = rpcLibraryCandidates(llama.libDir);
  const path = candidates.find((p) => existsSync(p));
  // the registry is per process: another thread (the main one, or an earlier worker) may have loaded it
  if (fn.ggml_backend_reg_by_name(cstr("RPC")) !== null) return path ?? "(already loaded)";
  if (!path) throw new RpcUnavailableError(candidates);
  if (fn.ggml_backend_load(cstr(path)) === null) {
    throw new Error(`ggml could not load ${path} (built for another llama.cpp release? rerun \`node scripts/build_rpc.mjs\`)`);
  }
  return path;
}

let guardCallback: NativeCallback | undefined;
let guard: RpcGuard | undefined;

/**
 * Makes a failed RPC connection call `onLost(ggml's message)` instead of aborting the process: the thread that
 * met the failure parks for good (scripts/rpc_guard.cpp). Once per process, from a thread that never blocks (the
 * main one). Returns false when this libggml-rpc has no guard (built elsewhere): a lost worker then ends the process.
 */
export function installRpcGuard(llama: Llama, onLost: (message: string) => void): boolean {
  if (guardCallback) return true;
  const path = rpcLibraryCandidates(llama.libDir).find((p) => existsSync(p));
  guard = path ? llama.ffi.rpcGuard(path) : undefined;
  if (!guard) return false;
  const ffi = llama.ffi;
  guardCallback = ffi.callback("fatal", (message: Pointer) => onLost(ffi.cstring(message).trim()), { threadSafe: true });
  guard.tollama_rpc_guard_install(guardCallback.pointer);
  return true;
}

/**
 * The workers' resolved addresses ("a.b.c.d:port", from `probeRpcWorker`) the next failure cuts this process's
 * connections to, so healthy workers accept the reload's connection (each serves one at a time).
 */
export function armRpcGuard(addresses: string[]): void {
  guard?.tollama_rpc_guard_peers(cstr(addresses.join(",")));
}

/**
 * Connects to `endpoint` and does ggml's HELLO handshake, with a deadline: ggml itself would abort the process on
 * a refused connection and wait forever on a worker busy with another head (a worker serves one client at a
 * time). Resolves with the worker's protocol version; rejects with an RpcWorkerError naming it.
 */
export function probeRpcWorker(endpoint: string, timeoutMs = 5_000): Promise<{ version: string; address: string }> {
  const { host, port } = parseEndpoint(endpoint);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let answer = new Uint8Array(0);
    let connected = false;
    const finish = (error?: Error, version?: string) => {
      clearTimeout(timer);
      const address = `${socket.remoteAddress}:${socket.remotePort}`;
      socket.destroy();
      if (error) reject(error);
      else resolve({ version: version!, address });
    };
    const timer = setTimeout(() => {
      finish(new RpcWorkerError(
        endpoint,
        connected
          ? `accepted the connection but did not answer ggml's RPC handshake within ${timeoutMs / 1000} s (a worker serves one head at a time: is another server using it?)`
          : `did not accept a connection within ${timeoutMs / 1000} s`,
      ));
    }, timeoutMs);
    socket.on("connect", () => {
      connected = true;
      // | cmd HELLO (14) | u64 request size (24) | conn_caps[24] = 0: plain TCP |
      const hello = new Uint8Array(1 + 8 + 24);
      hello[0] = 14;
      new DataView(hello.buffer).setBigUint64(1, 24n, true);
      socket.write(hello);
    });
    socket.on("data", (chunk: Uint8Array) => {
      const joined = new Uint8Array(answer.length + chunk.length);
      joined.set(answer);
      joined.set(chunk, answer.length);
      answer = joined;
      // | u64 size (28) | major minor patch pad | conn_caps[24] |
      if (answer.length < 8 + 4) return;
      const size = new DataView(answer.buffer).getBigUint64(0, true);
      const [major, minor, patch] = answer.subarray(8, 11);
      const version = `${major}.${minor}.${patch}`;
      if (size !== 28n) finish(new RpcWorkerError(endpoint, "answered, but not as a ggml RPC worker"));
      else if (major !== RPC_PROTO_MAJOR) {
        finish(new RpcWorkerError(endpoint, `speaks RPC protocol ${version}; this build needs ${RPC_PROTO_MAJOR}.x (run the same tollama or llama.cpp release there)`));
      } else finish(undefined, version);
    });
    socket.on("error", (error: Error & { code?: string }) => {
      finish(new RpcWorkerError(endpoint, `is not reachable (${error.code ?? error.message}): is \`tollama rpc\` running there?`));
    });
    socket.on("close", () => {
      finish(new RpcWorkerError(endpoint, "closed the connection during ggml's RPC handshake"));
    });
  });
}

/** One device a worker offers (a worker may have several: its GPUs, or its CPU). */
export interface RpcDevice {
  endpoint: string;
  pointer: Pointer;
  /** ggml's name: RPC0, RPC1 … in the order devices were added to the process. */
  name: string;
  description: string;
  free: number;
  total: number;
}

/** Free and total bytes of a ggml device. */
export function deviceMemory(llama: Llama, device: Pointer): { free: number; total: number } {
  const free = new BigUint64Array(1);
  const total = new BigUint64Array(1);
  llama.ffi.fn.ggml_backend_dev_memory(device, free, total);
  return { free: Number(free[0]), total: Number(total[0]) };
}

/** The local CPU device (where the layers not given to a worker run). */
export function cpuDevice(llama: Llama): Pointer {
  const device = llama.ffi.fn.ggml_backend_dev_by_type(0);
  if (device === null) throw new Error("the CPU backend is not loaded");
  return device;
}

/**
 * The devices of each worker, connected through ggml (`ggml_backend_rpc_add_server`). `keys` are the endpoints as
 * ggml is to see them (see `connectionKey`), `endpoints` as the user wrote them (for names and messages). Probe
 * them first: ggml aborts on one it cannot reach.
 */
export function rpcDevices(llama: Llama, keys: string[], endpoints: string[] = keys): RpcDevice[] {
  loadRpcBackend(llama);
  const { fn } = llama.ffi;
  const procs = llama.ffi.rpcProcs();
  const devices: RpcDevice[] = [];
  keys.forEach((key, index) => {
    const endpoint = endpoints[index] ?? key;
    const reg = procs.ggml_backend_rpc_add_server(cstr(key));
    if (reg === null) throw new RpcWorkerError(endpoint, "offers no device");
    const count = Number(fn.ggml_backend_reg_dev_count(reg));
    for (let i = 0; i < count; i++) {
      const pointer = fn.ggml_backend_reg_dev_get(reg, i);
      devices.push({
        endpoint,
        pointer,
        name: llama.ffi.cstring(fn.ggml_backend_dev_name(pointer)),
        description: llama.ffi.cstring(fn.ggml_backend_dev_description(pointer)),
        ...deviceMemory(llama, pointer),
      });
    }
  });
  return devices;
}

/**
 * The endpoint text ggml gets for the `generation`-th connection to a worker. ggml keeps one connection per
 * endpoint text for the life of the process, and one whose worker died is parked for good (installRpcGuard), so
 * a reconnection needs new text for the same address: the port with leading zeros (ggml reads it with stoi).
 */
export function connectionKey(endpoint: string, generation: number): string {
  const { host, port } = parseEndpoint(endpoint);
  return `${host}:${"0".repeat(Math.max(0, generation))}${port}`;
}

/**
 * How many of a model's `nLayer` repeating layers plus its output layer go to the workers: their share of the
 * free memory of all devices (this machine's CPU included), as llama.cpp splits layers among offload devices
 * by free memory. At least one, so every worker given a share gets used.
 */
export function offloadLayerCount(nLayer: number, localFree: number, remoteFree: number[]): number {
  const remote = remoteFree.reduce((a, b) => a + b, 0);
  const total = remote + localFree;
  if (remote <= 0 || total <= 0) return nLayer + 1;
  return Math.min(nLayer + 1, Math.max(1, Math.round((nLayer + 1) * remote / total)));
}

/**
 * Layers (the output layer counted as one more) on each device, as libllama's load_tensors assigns them: the
 * first `nLayer + 1 - offloaded` stay on the CPU, the rest are cut among `remoteFree` by cumulative share.
 */
export function layerPlacement(nLayer: number, offloaded: number, remoteFree: number[]): { cpu: number; remote: number[] } {
  const all = nLayer + 1;
  const start = Math.max(all - offloaded, 0);
  const active = Math.min(offloaded, all);
  const sum = remoteFree.reduce((a, b) => a + b, 0);
  const splits: number[] = [];
  let running = 0;
  for (const free of remoteFree) {
    running += sum > 0 ? free : 1;
    splits.push(running / (sum > 0 ? sum : remoteFree.length));
  }
  const remote = remoteFree.map(() => 0);
  let cpu = 0;
  for (let layer = 0; layer < all; layer++) {
    if (layer < start || layer - start >= active) {
      cpu++;
      continue;
    }
    // std::upper_bound(splits, (layer - start) / active)
    const at = (layer - start) / active;
    let index = splits.findIndex((s) => s > at);
    if (index < 0) index = splits.length - 1;
    remote[index]++;
  }
  return { cpu, remote };
}

export interface ServeRpcOptions {
  host: string;
  port: number;
  /** CPU threads the backend computes with. */
  threads: number;
  /** Directory where large tensors sent by heads are cached (ggml's `-c`), or undefined for none. */
  cacheDir?: string;
}

/**
 * Serves this machine's CPU backend over ggml's RPC protocol. Blocks the calling thread while it serves (one head
 * at a time, until the process ends); returns only when it could not start (address in use, bad host).
 */
export function serveRpc(llama: Llama, options: ServeRpcOptions): void {
  loadRpcBackend(llama);
  const procs = llama.ffi.rpcProcs();
  const devices = new BigUint64Array([llama.ffi.address(cpuDevice(llama))]);
  // off V8's small-object heap, so its address is stable (ffi-notes: use large buffers for addresses)
  const cache = options.cacheDir === undefined ? undefined : new Uint8Array(Math.max(4096, options.cacheDir.length * 3 + 1));
  if (cache) cache.set(cstr(options.cacheDir!));
  const cachePointer = cache ? llama.ffi.pointer(llama.ffi.bufferAddress(cache)) : null;
  procs.ggml_backend_rpc_start_server(cstr(`${options.host}:${options.port}`), cachePointer, options.threads, 1, devices);
  void cache; // referenced until the server returns
}
