/**
 * `tollama serve`: like `ollama serve`, makes the ed25519 identity key if missing, starts the server on OLLAMA_HOST,
 * and runs until SIGINT or SIGTERM, then stops accepting, unloads the models and returns the exit code. It logs as
 * Ollama's does: slog lines on stderr (the settings, the address) and gin's line per request on stdout.
 * @module
 */
import process from "node:process";
import { config, describe } from "../config.ts";
import { createLogger, log as stderrLog } from "../log.ts";
import { loadOrCreateKeyPair } from "../registry/mod.ts";
import { runtime } from "../runtime/mod.ts";
import { TOLLAMA_VERSION } from "../version.ts";
import { serve } from "./serve.ts";

/** Go's `%v` of a map[string]string, as Ollama logs its settings: `map[A:1 B:x]`, keys sorted. */
function goMap(entries: Array<{ name: string; value: string }>): string {
  return `map[${entries.map((e) => `${e.name}:${e.value}`).sort().join(" ")}]`;
}

/** `[::1]:11434` for IPv6, `127.0.0.1:11434` otherwise (Go's net.JoinHostPort). */
function joinHostPort(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/**
 * Serves until a stop signal; 0 on a clean stop, 1 when the server cannot start. `options.log` takes this
 * command's own lines (errors stay plain, as cobra prints them; the rest are slog lines).
 */
export async function serveUntilStopped(options: { log?: (line: string) => void } = {}): Promise<number> {
  const plain = options.log ?? ((line: string) => console.error(line));
  const log = options.log ? createLogger(options.log) : stderrLog;
  log.info("server config", { env: goMap(describe().filter((s) => s.scope !== "client")) });
  try {
    await loadOrCreateKeyPair();
  } catch (error) {
    log.warn("could not create the identity key", { error: (error as Error).message });
  }
  let server;
  try {
    server = await serve({ logRequests: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const host = config.host();
    if (code === "EADDRINUSE" || /address.*in use/i.test(String((error as Error).message))) {
      plain(`Error: listen tcp ${joinHostPort(host.hostname, host.port)}: bind: address already in use`);
    } else {
      plain(`Error: ${(error as Error).message}`);
    }
    return 1;
  }
  const address = joinHostPort(server.hostname, server.port);
  log.info(`Listening on ${address} (tollama ${TOLLAMA_VERSION} on ${runtime.name} ${runtime.version})`);
  const { promise: stopped, resolve } = Promise.withResolvers<void>();
  const stop = () => resolve();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await Promise.race([stopped, server.finished]);
  // The listeners stay for good: a second signal (a terminal's Ctrl+C reaches every process of the job, and the npm
  // launcher relays it a moment later) must kill neither the shutdown halfway nor the process on its way out with 0,
  // as Ollama's does not. The process ends right after this returns.
  await server.close();
  return 0;
}
