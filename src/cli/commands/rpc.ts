/**
 * `tollama rpc`: this machine becomes an RPC worker. It serves its CPU backend over ggml's RPC protocol, in this
 * process, through libllama's ggml (libggml-rpc.so, built at install). A head (`tollama serve` with
 * OLLAMA_RPC_SERVERS=host:port,…) then places part of each model's layers here. The whole process serves: the
 * call blocks in native code until the process is ended (Ctrl-C). One head is served at a time.
 * @module
 */
import { mkdirSync } from "node:fs";
import { basename, resolve } from "node:path";
import { config } from "../../config.ts";
import { runtime } from "../../runtime/mod.ts";
import { defaultThreadCount, Llama, loadRpcBackend, RPC_DEFAULT_PORT, serveRpc } from "../../llama/mod.ts";
import type { Client } from "../client.ts";
import type { Terminal } from "../io.ts";

/** ggml's server binds IPv4 literals only (inet_addr): "localhost" is spelled out, anything else is checked. */
function listenAddress(host: string): string {
  if (host === "localhost") return "127.0.0.1";
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new Error(`invalid --host ${JSON.stringify(host)}: give an IPv4 address of this machine (127.0.0.1, 0.0.0.0, 192.168.1.20)`);
  }
  return host;
}

function positiveInt(flag: string, value: unknown, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`invalid --${flag} ${JSON.stringify(value)}: a whole number from 1 to ${max}`);
  return n;
}

/** The warning rpc-server prints, louder: anyone who can reach the port can run code paths on this machine's memory. */
function exposureWarning(host: string, port: number): string {
  const bar = "!".repeat(78);
  return `\n${bar}\n` +
    `WARNING: tollama rpc listens on ${host}:${port}, reachable from other machines.\n` +
    `  ggml's RPC protocol has NO authentication and NO encryption: anyone who can connect can read and write\n` +
    `  this worker's memory buffers and use its compute. Serve only on a private, trusted network (or firewall\n` +
    `  the port to the head's address); never expose it to the internet.\n` +
    `${bar}\n\n`;
}

export async function rpcCommand(_client: Client, term: Terminal, _args: string[], flags: Record<string, unknown>): Promise<number> {
  const host = listenAddress(String(flags.host ?? "127.0.0.1"));
  const port = positiveInt("port", flags.port, 65535) ?? RPC_DEFAULT_PORT;
  const threads = positiveInt("threads", flags.threads, 1024) ?? defaultThreadCount();
  const cacheDir = flags.cache === undefined ? undefined : resolve(String(flags.cache));
  if (cacheDir) mkdirSync(cacheDir, { recursive: true });
  if (!host.startsWith("127.")) term.err(exposureWarning(host, port));
  const llama = await Llama.open({
    libDir: config.llamaLibDir(),
    execPath: runtime.compiled ? runtime.execPath() : undefined,
    debugLevel: config.debugLevel(),
  });
  loadRpcBackend(llama); // throws RpcUnavailableError (no compiler at install) before anything is announced
  term.err(
    `tollama rpc: serving this machine's CPU (${basename(llama.cpuVariant ?? "ggml CPU backend")}, ${threads} threads) on ${host}:${port}` +
      `${cacheDir ? `, tensor cache ${cacheDir}` : ""}; use it from a head with OLLAMA_RPC_SERVERS=<this machine's address>:${port}\n`,
  );
  // Blocks here while serving; it returns only when the server could not start.
  serveRpc(llama, { host, port, threads, cacheDir });
  throw new Error(`could not listen on ${host}:${port} (the port is in use, or the address is not this machine's)`);
}
