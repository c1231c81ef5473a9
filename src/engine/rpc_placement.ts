/**
 * Inside a model's Worker: where a model goes when RPC workers are configured. The workers' devices are
 * connected through ggml, and the model's layers are split by free memory between this machine's CPU and them
 * (llama.cpp's rule for offload devices, with the CPU's share decided here through n_gpu_layers).
 * @module
 */
import { readGguf } from "../gguf/mod.ts";
import { cpuDevice, deviceMemory, layerPlacement, type Llama, type LoadOptions, offloadLayerCount, rpcDevices } from "../llama/mod.ts";
import type { DevicePlacement, LoadSettings } from "./protocol.ts";

/** The repeating layers of a GGUF (`<arch>.block_count`), read from its header before libllama loads it. */
async function blockCount(path: string): Promise<number> {
  const gguf = await readGguf(path, { maxArrayElements: 0 });
  const arch = String(gguf.metadata["general.architecture"] ?? "");
  const count = Number(gguf.metadata[`${arch}.block_count`]);
  if (!Number.isInteger(count) || count < 1) throw new Error(`${path} has no ${arch}.block_count: its layers cannot be split across RPC workers`);
  return count;
}

/** Model.load's device options and the placement /api/ps shows, for `settings.rpc`. */
export async function placeOnWorkers(
  llama: Llama,
  path: string,
  rpc: NonNullable<LoadSettings["rpc"]>,
): Promise<{ load: Pick<LoadOptions, "devices" | "nGpuLayers">; placement: DevicePlacement[] }> {
  const nLayer = await blockCount(path);
  const devices = rpcDevices(llama, rpc.keys, rpc.endpoints);
  const cpu = cpuDevice(llama);
  const free = devices.map((d) => d.free);
  const offloaded = offloadLayerCount(nLayer, deviceMemory(llama, cpu).free, free);
  const where = layerPlacement(nLayer, offloaded, free);
  const placement: DevicePlacement[] = [
    { name: "CPU", description: llama.ffi.cstring(llama.ffi.fn.ggml_backend_dev_description(cpu)), layers: where.cpu },
    ...devices.map((d, i) => ({ name: d.name, description: d.description, endpoint: d.endpoint, layers: where.remote[i] })),
  ];
  return { load: { devices: devices.map((d) => d.pointer), nGpuLayers: offloaded }, placement };
}
