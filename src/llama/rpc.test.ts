// The pure parts of the RPC layer: endpoint parsing as ggml's client reads it, the connection keys that make ggml
// connect afresh, and the split of layers between this machine and the workers (as libllama's load_tensors does).
import { test } from "node:test";
import assert from "node:assert/strict";
import { connectionKey, layerPlacement, offloadLayerCount, parseEndpoint, RpcWorkerError } from "./mod.ts";

test("parseEndpoint() takes host:port and names a bad one", () => {
  assert.deepEqual(parseEndpoint("192.168.1.20:50052"), { host: "192.168.1.20", port: 50052 });
  assert.deepEqual(parseEndpoint(" gpu-box:1 "), { host: "gpu-box", port: 1 });
  for (const bad of ["gpu-box", "gpu-box:", ":50052", "a:0", "a:65536", "[::1]:50052", "a b:1"]) {
    assert.throws(() => parseEndpoint(bad), (error: Error) => error instanceof RpcWorkerError && error.message.includes(bad.trim()), bad);
  }
});

test("connectionKey() spells the same address anew for each generation (leading zeros in the port)", () => {
  assert.equal(connectionKey("10.0.0.2:50052", 0), "10.0.0.2:50052");
  assert.equal(connectionKey("10.0.0.2:50052", 2), "10.0.0.2:0050052");
  assert.equal(Number("0050052"), 50052);
});

test("offloadLayerCount() gives the workers their share of all free memory, at least one layer", () => {
  assert.equal(offloadLayerCount(11, 100, [100]), 6); // 12 layers (output counted), half remote
  assert.equal(offloadLayerCount(11, 100, [100, 100]), 8);
  assert.equal(offloadLayerCount(11, 1000, [1]), 1);
  assert.equal(offloadLayerCount(11, 0, [5]), 12);
});

test("layerPlacement() matches libllama's assignment: the first layers on the CPU, the rest cut by cumulative share", () => {
  assert.deepEqual(layerPlacement(2, 2, [1, 1]), { cpu: 1, remote: [1, 1] });
  assert.deepEqual(layerPlacement(11, 12, [1, 3]), { cpu: 0, remote: [3, 9] });
  assert.deepEqual(layerPlacement(11, 6, [5]), { cpu: 6, remote: [6] });
  assert.deepEqual(layerPlacement(11, 8, [1, 1]), { cpu: 4, remote: [4, 4] });
});
