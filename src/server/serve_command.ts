/**
 * `tollama serve`: like `ollama serve`, makes the ed25519 identity key if missing, starts the server on OLLAMA_HOST,
 * and runs until SIGINT or SIGTERM, then stops accepting, unloads the models and returns the exit code.
 * @module
 */
import process from "node:process";
import { config } from "../config.ts";
import { loadOrCreateKeyPair } from "../registry/mod.ts";
import { runtime } from "../runtime/mod.ts";
import { TOLLAMA_VERSION } from "../version.ts";
import { serve } from "./serve.ts";

/** Serves until a stop signal; 0 on a clean stop, 1 when the server cannot start. */
export async function serveUntilStopped(options: { log?: (line: string) => void } = {}): Promise<number> {
  const log = options.log ?? ((line: string) => console.error(line));
  try {
    await loadOrCreateKeyPair();
  } catch (error) {
    log(`warning: could not create the identity key: ${(error as Error).message}`);
  }
  let server;
  try {
    server = await serve();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const host = config.host();
    if (code === "EADDRINUSE" || /address.*in use/i.test(String((error as Error).message))) {
      log(`Error: listen tcp ${host.hostname}:${host.port}: bind: address already in use`);
    } else {
      log(`Error: ${(error as Error).message}`);
    }
    return 1;
  }
  log(`Listening on ${server.hostname}:${server.port} (tollama ${TOLLAMA_VERSION} on ${runtime.name} ${runtime.version})`);
  const { promise: stopped, resolve } = Promise.withResolvers<void>();
  const stop = () => resolve();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await Promise.race([stopped, server.finished]);
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  await server.close();
  return 0;
}
