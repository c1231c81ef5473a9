/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for a child process that must be told its port (`OLLAMA_HOST`).
 * @module
 */
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}
