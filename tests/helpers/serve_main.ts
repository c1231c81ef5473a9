// `tollama serve` as a child process would run it, for tests/server_process.test.ts. The exit code is also printed:
// Deno's node:child_process reports a child that handled SIGTERM and exited as killed by the signal.
import process from "node:process";
import { serveUntilStopped } from "../../src/server/mod.ts";

const code = await serveUntilStopped({ log: (line) => console.log(line) });
console.log(`serve exited with ${code}`);
process.exitCode = code;
