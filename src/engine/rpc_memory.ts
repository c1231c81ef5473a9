/**
 * The free memory RPC workers report, for the scheduler's fit check (the head counts it beside its own). Asked on
 * a connection of its own with ggml's protocol (HELLO, DEVICE_COUNT, GET_DEVICE_MEMORY for each device): going
 * through ggml would abort the process on a worker that is down. A worker serves one connection at a time, so
 * while a loaded model holds it the question goes unanswered; the last answer stands in then (the scheduler
 * takes the loaded models' estimates off the total anyway, as Ollama does for GPUs).
 * @module
 */
import { createConnection } from "node:net";
import { parseEndpoint, probeRpcWorker } from "../llama/mod.ts";

/** Free and total bytes of a worker's devices together. */
export interface WorkerMemory {
  free: number;
  total: number;
}

const lastAnswer = new Map<string, WorkerMemory>();

/** ggml-rpc.cpp's command numbers (rpc_cmd). */
const CMD = { GET_DEVICE_MEMORY: 11, HELLO: 14, DEVICE_COUNT: 15 } as const;

/** A worker that took the connection but did not answer in time: busy with another client (a loaded model). */
class NoAnswerError extends Error {}

/**
 * The memory of `endpoints` together: each worker's answer, or its last answer when it is busy (no answer within
 * `timeoutMs`); a busy worker never heard from counts nothing. A worker that is down or not a worker rejects with
 * the RpcWorkerError naming it that the load would give (probeRpcWorker's).
 */
export async function rpcWorkersMemory(endpoints: string[], timeoutMs = 1_000): Promise<WorkerMemory> {
  const answers = await Promise.all(endpoints.map(async (endpoint) => {
    try {
      const memory = await askWorkerMemory(endpoint, timeoutMs);
      lastAnswer.set(endpoint, memory);
      return memory;
    } catch (error) {
      // not reachable (or not a valid address): the handshake's own error names it
      if (!(error instanceof NoAnswerError)) await probeRpcWorker(endpoint, timeoutMs);
      return lastAnswer.get(endpoint) ?? { free: 0, total: 0 };
    }
  }));
  return answers.reduce((sum, m) => ({ free: sum.free + m.free, total: sum.total + m.total }), { free: 0, total: 0 });
}

/** One worker's devices' memory, asked on a connection of its own; rejects on no answer within `timeoutMs`. */
export function askWorkerMemory(endpoint: string, timeoutMs: number): Promise<WorkerMemory> {
  const { host, port } = parseEndpoint(endpoint);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let received = new Uint8Array(0);
    const expected: Array<(view: DataView) => void> = [];
    let devices = 0;
    const memory: WorkerMemory = { free: 0, total: 0 };
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(memory);
    };
    const timer = setTimeout(() => finish(new NoAnswerError(`RPC worker ${endpoint} did not answer within ${timeoutMs} ms`)), timeoutMs);
    // | cmd u8 | u64 request size | request |, answered by | u64 size | response |
    const send = (cmd: number, body: Uint8Array, onAnswer: (view: DataView) => void) => {
      const message = new Uint8Array(9 + body.length);
      message[0] = cmd;
      new DataView(message.buffer).setBigUint64(1, BigInt(body.length), true);
      message.set(body, 9);
      expected.push(onAnswer);
      socket.write(message);
    };
    const askDevice = (device: number) => {
      const body = new Uint8Array(4);
      new DataView(body.buffer).setUint32(0, device, true);
      send(CMD.GET_DEVICE_MEMORY, body, (view) => {
        memory.free += Number(view.getBigUint64(0, true));
        memory.total += Number(view.getBigUint64(8, true));
        if (device + 1 < devices) askDevice(device + 1);
        else finish();
      });
    };
    socket.on("connect", () => {
      // HELLO's conn_caps are all zero: plain TCP
      send(CMD.HELLO, new Uint8Array(24), () => {
        send(CMD.DEVICE_COUNT, new Uint8Array(0), (view) => {
          devices = view.getUint32(0, true);
          if (devices === 0) finish();
          else askDevice(0);
        });
      });
    });
    socket.on("data", (chunk: Uint8Array) => {
      const joined = new Uint8Array(received.length + chunk.length);
      joined.set(received);
      joined.set(chunk, received.length);
      received = joined;
      while (received.length >= 8) {
        const size = Number(new DataView(received.buffer, received.byteOffset).getBigUint64(0, true));
        if (received.length < 8 + size) return;
        const body = received.slice(8, 8 + size);
        received = received.slice(8 + size);
        expected.shift()?.(new DataView(body.buffer));
      }
    });
    socket.on("error", (error: Error) => finish(error));
    socket.on("close", () => finish(new NoAnswerError(`RPC worker ${endpoint} closed the connection`)));
  });
}
