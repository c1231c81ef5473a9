/**
 * A pull in a process of its own, for kill-and-resume tests: `<runtime> pull_child.ts <name> <modelsDir> <partSize>
 * <concurrency> [workerMinBytes]`. Prints one JSON line per progress event (so the parent can kill it mid-download), then `done`.
 * @module
 */
import { pullModel } from "../../src/registry/mod.ts";
import { runtime } from "../../src/runtime/mod.ts";

const [name, modelsDir, partSize, concurrency, workerMinBytes] = runtime.args();
try {
  await pullModel(name, {
    modelsDir,
    insecure: true,
    partSize: Number(partSize),
    concurrency: Number(concurrency),
    workerMinBytes: Number(workerMinBytes ?? Infinity),
    retryBaseMs: 5,
    progressIntervalMs: 0,
    onProgress: (p) => console.log(JSON.stringify(p)),
  });
  console.log("done");
} catch (error) {
  console.log(JSON.stringify({ error: String(error) }));
  runtime.exit(1);
}
